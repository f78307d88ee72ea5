package dev.lab1.serviceb.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Limits of B's HTTP server that Spring Boot has no property for.
 *
 * @param requestHeaderTimeout how long a client may take to send a request's head, counted from its
 *                             first byte however it sends the rest (a "slowloris" client trickling a
 *                             byte at a time, which Jetty's idle timeout never catches); its
 *                             connection is closed within this plus two tenths of it (at most 2 s)
 */
@ConfigurationProperties("http-limits")
public record HttpLimits(Duration requestHeaderTimeout) {

    public HttpLimits {
        if (requestHeaderTimeout == null || requestHeaderTimeout.isNegative() || requestHeaderTimeout.isZero()) {
            throw new IllegalArgumentException("http-limits.request-header-timeout must be a positive duration");
        }
    }
}
