package dev.lab1.serviceb.call;

import java.time.Duration;

import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What the breaker's YAML cannot say: settings derived from other beans. */
@Configuration(proxyBeanMethods = false)
class ServiceABreakerConfiguration {

    /**
     * <ul>
     * <li>A slow call, for the breaker, is a call that timed out: the slow-call threshold is the time
     * limit itself, not a second knob that could drift from it. A timed-out call lasts just over
     * the limit (its deadline is set after the clock starts), an answered one never does, so only
     * timeouts count as slow, whatever the limit is set to (an answer in 3 s under a 10 s limit is
     * not slow; a timeout at 1 s always is).</li>
     * <li>A killed or unreachable A opens the breaker after a few failed calls, whatever the traffic
     * ({@link OpenWhenUnreachable}).</li>
     * </ul>
     */
    @Bean
    CircuitBreakerConfigCustomizer serviceABreaker(TimeLimiterRegistry timeLimiters, ServiceABreakerProperties properties,
                                                   ServiceAChannel channel) {
        return CircuitBreakerConfigCustomizer.of(ServiceAClient.SERVICE_A, breaker -> {
            breaker.slowCallDurationThreshold(
                    timeLimiters.timeLimiter(ServiceAClient.SERVICE_A).getTimeLimiterConfig().getTimeoutDuration());
            if (properties.unreachableFailuresToOpen() > 0) {
                // Open for the same wait as when the window opens it (the YAML's, read back from the builder).
                Duration openFor = Duration.ofMillis(breaker.build().getWaitIntervalFunctionInOpenState().apply(1));
                breaker.transitionOnResult(
                        new OpenWhenUnreachable(properties.unreachableFailuresToOpen(), channel::isUnreachable, openFor));
            }
        });
    }
}
