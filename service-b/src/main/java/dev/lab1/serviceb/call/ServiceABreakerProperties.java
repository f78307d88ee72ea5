package dev.lab1.serviceb.call;

import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * B's circuit breaker around A, beyond Resilience4j's own settings ({@code resilience4j.circuitbreaker}).
 *
 * @param unreachableFailuresToOpen failures of A in a row, while B cannot connect to A, that open
 *                                  the breaker at once ({@link OpenWhenUnreachable}); 0 turns that rule off
 */
@Validated
@ConfigurationProperties("service-a-breaker")
public record ServiceABreakerProperties(@PositiveOrZero int unreachableFailuresToOpen) {
}
