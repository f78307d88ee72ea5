package dev.lab1.servicea.server;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Bounds on what A's gRPC server may use, whatever its callers do.
 *
 * @param handlerThreads                  threads that run call handlers; handlers never block (a
 *                                        delayed reply is scheduled, not slept), so a few suffice
 * @param handlerQueueCapacity            handler tasks waiting for a thread; past it a call is
 *                                        answered RESOURCE_EXHAUSTED at once and no handler runs on
 *                                        the network thread (HandlerQueueGuard)
 * @param maxCallsInFlight                Echo calls A holds at once, delayed
 *                                        replies included; past it a call is answered
 *                                        RESOURCE_EXHAUSTED at once
 * @param maxConcurrentCallsPerConnection calls one connection may have open at once; past it the
 *                                        caller waits for a free stream (HTTP/2 flow control)
 * @param maxConnectionAge                a connection is closed gracefully after about this long, so
 *                                        that clients re-resolve A's name and find new replicas
 * @param maxConnectionAgeGrace           how long the calls of such a connection get to finish
 * @param requestTimeout                  how long a call's request may take to arrive complete; a
 *                                        stream opened and never finished is closed after it
 * @param warmUpCalls                     Echo calls answered on a throwaway loopback port before the
 *                                        real one opens ({@link GrpcWarmUp}; 0: none)
 * @param warmUpMaxDuration               the longest the warm-up may delay A's start
 */
@Validated
@ConfigurationProperties("service-a.grpc")
public record GrpcServerTuning(@Positive int handlerThreads, @Positive int handlerQueueCapacity,
                               @Positive int maxCallsInFlight, @Positive int maxConcurrentCallsPerConnection,
                               @NotNull Duration maxConnectionAge, @NotNull Duration maxConnectionAgeGrace,
                               @NotNull Duration requestTimeout, @PositiveOrZero int warmUpCalls,
                               @NotNull Duration warmUpMaxDuration) {
}
