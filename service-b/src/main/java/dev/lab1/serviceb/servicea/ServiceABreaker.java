package dev.lab1.serviceb.servicea;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import dev.lab1.serviceb.ServiceBProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.core.functions.Either;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The circuit breaker's policy beyond its YAML ({@code resilience4j.circuitbreaker}), in its one
 * customizer: what the YAML cannot say because it comes from other beans.
 */
@Configuration(proxyBeanMethods = false)
class ServiceABreaker {

    /**
     * <ul>
     * <li>What counts against A is {@link Outcome}'s table: a failure of A is recorded as a failure;
     * everything else, timeouts included, as a success with its duration, so a timeout counts as a
     * slow call, not as a failure.</li>
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
    CircuitBreakerConfigCustomizer serviceABreakerPolicy(TimeLimiterRegistry timeLimiters, ServiceBProperties properties,
                                                   ServiceAChannel channel) {
        int unreachableFailuresToOpen = properties.serviceA().breaker().unreachableFailuresToOpen();
        return CircuitBreakerConfigCustomizer.of(ServiceAClient.SERVICE_A, breaker -> {
            breaker.recordException(ServiceABreaker::isFailureOfA);
            breaker.slowCallDurationThreshold(
                    timeLimiters.timeLimiter(ServiceAClient.SERVICE_A).getTimeLimiterConfig().getTimeoutDuration());
            if (unreachableFailuresToOpen > 0) {
                // Open for the same wait as when the window opens it (the YAML's, read back from the builder).
                Duration openFor = Duration.ofMillis(breaker.build().getWaitIntervalFunctionInOpenState().apply(1));
                breaker.transitionOnResult(
                        new OpenWhenUnreachable(unreachableFailuresToOpen, channel::isUnreachable, openFor));
            }
        });
    }

    /** The breaker's failure predicate: the outcome table's {@code FAILURE} rows. */
    static boolean isFailureOfA(Throwable throwable) {
        return Outcome.againstA(throwable) == Outcome.AgainstA.FAILURE;
    }

    /**
     * The breaker's second rule, beside its time window ({@code transitionOnResult}): this many
     * failures of A in a row, while B cannot connect to A, open the breaker at once.
     *
     * <p>Why a second rule: the time window must hold seconds of calls so that the burst of timeouts
     * from a short stall of A is weighed against the good calls around it; but then a killed A opens
     * the breaker only once its failures are half of those seconds of calls (64 failed calls at 400
     * calls/s). A killed or unreachable A is told apart from a stall by two facts the window does not
     * see: its calls fail (refused, cut) instead of timing out, and B's attempts to connect to it fail
     * (the channel is in TRANSIENT_FAILURE). Timeouts neither count nor break the run (a stall says
     * nothing about reachability); a success or an application answer ends it. A dropped connection
     * that B re-establishes at once (A alive) does not open the breaker however many calls it cut: the
     * channel is reconnecting, then connected, never failing to connect. When the run is long enough
     * but the channel is not (yet) failing, the next failure checks again. The time window still judges
     * everything else (a hung A, an A failing half its calls).
     */
    static final class OpenWhenUnreachable implements Function<Either<Object, Throwable>, TransitionCheckResult> {

        private final int failuresToOpen;
        private final BooleanSupplier unreachable;
        private final Duration openFor;
        private final AtomicInteger failuresInARow = new AtomicInteger();

        /**
         * @param openFor how long the breaker then stays open: its own wait in the open state (Resilience4j
         *                requires a wait with a transition asked for here)
         */
        OpenWhenUnreachable(int failuresToOpen, BooleanSupplier unreachable, Duration openFor) {
            if (failuresToOpen < 1) {
                throw new IllegalArgumentException("failuresToOpen must be at least 1, was " + failuresToOpen);
            }
            this.failuresToOpen = failuresToOpen;
            this.unreachable = unreachable;
            this.openFor = openFor;
        }

        @Override
        public TransitionCheckResult apply(Either<Object, Throwable> outcome) {
            Outcome.AgainstA againstA = outcome.isLeft() ? Outcome.AgainstA.NO : Outcome.againstA(outcome.get());
            switch (againstA) {
                case NO -> failuresInARow.set(0);
                case SLOW, NOT_RECORDED -> {
                    // a timeout, or B's own failure: neither a sign that A is unreachable nor that it is back
                }
                case FAILURE -> {
                    if (failuresInARow.incrementAndGet() >= failuresToOpen && unreachable.getAsBoolean()) {
                        failuresInARow.set(0);
                        return TransitionCheckResult.transitionToOpenAndWaitFor(openFor);
                    }
                }
            }
            return TransitionCheckResult.noTransition();
        }
    }
}
