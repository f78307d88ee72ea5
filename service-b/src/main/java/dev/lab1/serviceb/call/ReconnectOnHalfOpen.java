package dev.lab1.serviceb.call;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * B's recovery path after A was down, whatever the outage's length.
 *
 * <ol>
 * <li>A fails: the breaker opens and B answers {@code circuit_open} without calling A.</li>
 * <li>Meanwhile grpc-java keeps trying to reconnect, with exponential backoff up to 2 minutes:
 *     after a long outage its next attempt may be minutes after A is back.</li>
 * <li>After {@code wait-duration-in-open-state} the breaker turns half-open by itself. Here,
 *     the channel's connect backoff is reset, so it connects at once.</li>
 * <li>The half-open trial calls find A (calls wait while the channel is connecting), succeed,
 *     and the breaker closes: B serves 200 again within one open wait of A's return.</li>
 * </ol>
 */
@Component
class ReconnectOnHalfOpen {

    private static final Logger log = LoggerFactory.getLogger(ReconnectOnHalfOpen.class);

    ReconnectOnHalfOpen(CircuitBreakerRegistry breakers, ServiceAChannelConfiguration.ManagedChannels channels) {
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        breaker.getEventPublisher().onStateTransition(event -> {
            log.info("service=B circuit_breaker={} transition={}", breaker.getName(), event.getStateTransition());
            if (event.getStateTransition().getToState() == CircuitBreaker.State.HALF_OPEN) {
                channels.resetConnectBackoff();
            }
        });
    }
}
