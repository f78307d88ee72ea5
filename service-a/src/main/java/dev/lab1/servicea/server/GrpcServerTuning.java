package dev.lab1.servicea.server;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Bounds on what A's gRPC server may use, whatever its callers do.
 *
 * @param handlerThreads                  threads that run call handlers; handlers never block (a
 *                                        delayed reply is scheduled, not slept), so a few suffice
 * @param maxConcurrentCallsPerConnection calls one connection may have open at once; past it the
 *                                        caller waits for a free stream (HTTP/2 flow control)
 */
@Validated
@ConfigurationProperties("service-a.grpc")
public record GrpcServerTuning(@Positive int handlerThreads, @Positive int maxConcurrentCallsPerConnection) {
}
