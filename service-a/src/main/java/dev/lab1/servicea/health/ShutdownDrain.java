package dev.lab1.servicea.health;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * How A leaves on SIGTERM.
 *
 * @param drain how long A keeps serving after it reported NOT_SERVING, before its gRPC server stops
 *              taking calls: the time its clients (B's health watch, a Kubernetes readiness probe
 *              and the DNS behind a headless Service) need to move new calls to other replicas
 */
@Validated
@ConfigurationProperties("service-a.shutdown")
public record ShutdownDrain(@NotNull Duration drain) {

    public ShutdownDrain {
        if (drain != null && drain.isNegative()) {
            throw new IllegalArgumentException("service-a.shutdown.drain must not be negative");
        }
    }
}
