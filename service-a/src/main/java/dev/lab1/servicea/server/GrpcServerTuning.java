package dev.lab1.servicea.server;

import java.time.Duration;

import dev.lab1.tls.TlsMode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
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
 * @param requestTimeout                  how long a call's request may take to arrive complete; a
 *                                        stream opened and never finished is closed after it
 * @param warmUp                          Echo calls answered on a throwaway loopback port before the
 *                                        real one opens ({@link GrpcWarmUp})
 * @param tls                             who may call A: plaintext, TLS, or mutual TLS ({@link GrpcServerTls})
 */
@Validated
@ConfigurationProperties("service-a.grpc")
public record GrpcServerTuning(@Positive int handlerThreads, @Positive int handlerQueueCapacity,
                               @Positive int maxCallsInFlight, @Positive int maxConcurrentCallsPerConnection,
                               @NotNull Duration requestTimeout, @NotNull @Valid WarmUp warmUp,
                               @NotNull @Valid Tls tls) {

    /**
     * @param calls       Echo calls before the gRPC port opens (0: none)
     * @param maxDuration the longest the warm-up may delay A's start
     */
    public record WarmUp(@PositiveOrZero int calls, @NotNull Duration maxDuration) {
    }

    /**
     * @param mode      {@code plaintext} (anyone may call), {@code tls} (A presents its certificate) or
     *                  {@code mutual-tls} (A also requires a client certificate its trusted CA signed)
     * @param bundle    the Spring Boot SSL bundle with A's certificate, key and trusted CA
     * @param directory where the profiles {@code tls} and {@code mutual-tls} define that bundle's files:
     *                  {@code tls.crt}, {@code tls.key}, {@code ca.crt} (as scripts/certs.sh and
     *                  cert-manager write them)
     */
    public record Tls(@NotNull TlsMode mode, @NotBlank String bundle, @NotBlank String directory) {
    }
}
