package dev.lab1.serviceb.web;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * B's breaker closed with empty metrics, as a test starts. Resilience4j's {@code reset()} alone
 * leaves an open breaker's scheduled move to half-open behind: it fires up to the open wait (5 s)
 * later, in a later test, and turns whatever state that test set half-open (seen with the method
 * order random: {@code retryAfterIsTheTimeLeftInTheOpenState} found its open breaker half-open, then
 * closed, 0.5 s in). Leaving the open state by a transition cancels it.
 */
final class ClosedBreaker {

    private ClosedBreaker() {
    }

    static CircuitBreaker of(CircuitBreakerRegistry breakers) {
        CircuitBreaker breaker = breakers.circuitBreaker("service-a");
        if (breaker.getState() != CircuitBreaker.State.CLOSED) {
            breaker.transitionToClosedState();
        }
        breaker.reset();
        return breaker;
    }
}
