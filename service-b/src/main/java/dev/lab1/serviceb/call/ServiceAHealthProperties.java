package dev.lab1.serviceb.call;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How B checks A's {@code grpc.health.v1} for its own {@code /actuator/health}.
 *
 * @param cacheFor how long one check's answer is reused (at most one check per this period)
 * @param timeout  the deadline of one check
 */
@ConfigurationProperties("service-a-health")
public record ServiceAHealthProperties(Duration cacheFor, Duration timeout) {

    public ServiceAHealthProperties {
        if (cacheFor == null || cacheFor.isNegative() || timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("service-a-health.cache-for and .timeout must be positive durations");
        }
    }
}
