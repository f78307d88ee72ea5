package dev.lab1.servicea.web;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of A's HTTP (Actuator) port that Spring Boot has no property for.
 *
 * @param requestHeaderTimeout how long a client may take to send a request's head, counted from its
 *                             first byte however it sends the rest (Tomcat's connection timeout
 *                             restarts with every byte); its connection is closed within this plus a
 *                             tenth of it (at most 1 s)
 */
@Validated
@ConfigurationProperties("service-a.http")
public record HttpLimits(@NotNull Duration requestHeaderTimeout) {

    public HttpLimits {
        if (requestHeaderTimeout == null || requestHeaderTimeout.isNegative() || requestHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("service-a.http.request-header-timeout must be a positive duration");
        }
    }
}
