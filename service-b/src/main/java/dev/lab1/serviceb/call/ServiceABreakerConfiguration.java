package dev.lab1.serviceb.call;

import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ServiceABreakerConfiguration {

    /**
     * A slow call, for the breaker, is a call that timed out: the slow-call threshold is the time
     * limit itself, not a second knob that could drift from it. A timed-out call lasts just over
     * the limit (its deadline is set after the clock starts), an answered one never does, so only
     * timeouts count as slow, whatever the limit is set to (an answer in 3 s under a 10 s limit is
     * not slow; a timeout at 1 s always is).
     */
    @Bean
    CircuitBreakerConfigCustomizer slowMeansTimedOut(TimeLimiterRegistry timeLimiters) {
        return CircuitBreakerConfigCustomizer.of(ServiceAClient.SERVICE_A, breaker -> breaker.slowCallDurationThreshold(
                timeLimiters.timeLimiter(ServiceAClient.SERVICE_A).getTimeLimiterConfig().getTimeoutDuration()));
    }
}
