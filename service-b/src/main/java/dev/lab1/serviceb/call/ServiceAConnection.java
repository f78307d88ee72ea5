package dev.lab1.serviceb.call;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.lab1.proto.ServiceAGrpc.ServiceABlockingStub;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * B's connection to A, and how it recovers after A was down, whatever the outage's length.
 *
 * <ol>
 * <li>A fails: the breaker opens and B answers {@code circuit_open} without calling A.</li>
 * <li>Meanwhile grpc-java retries the connection with exponential backoff up to 2 minutes, and
 *     keeps reporting TRANSIENT_FAILURE (calls fail at once) until a retry succeeds: after a long
 *     outage its next retry may come minutes after A is back.</li>
 * <li>After {@code wait-duration-in-open-state} the breaker turns half-open by itself: the
 *     backoff is reset here, so the channel reconnects at once.</li>
 * <li>Half-open trial calls reset it again and wait for the connection (within the time limit)
 *     instead of failing at once on a stale TRANSIENT_FAILURE; they find A, succeed, and the
 *     breaker closes. B serves 200 again within about one open wait of A's return.</li>
 * </ol>
 */
@Component
class ServiceAConnection {

    private static final Logger log = LoggerFactory.getLogger(ServiceAConnection.class);

    /** Every channel the channel factory built: B builds one, A's. */
    private final List<ManagedChannel> channels = new CopyOnWriteArrayList<>();

    ServiceAConnection(CircuitBreakerRegistry breakers) {
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        breaker.getEventPublisher().onStateTransition(event -> {
            log.info("service=B circuit_breaker={} from={} to={}", breaker.getName(),
                    event.getStateTransition().getFromState(), event.getStateTransition().getToState());
            if (event.getStateTransition().getToState() == CircuitBreaker.State.HALF_OPEN) {
                resetConnectBackoff();
            }
        });
    }

    ManagedChannel remember(ManagedChannel channel) {
        channels.add(channel);
        return channel;
    }

    /** The stub for a half-open trial call: reconnect now, and wait for the connection rather than fail on a stale one. */
    ServiceABlockingStub forTrialCall(ServiceABlockingStub stub) {
        resetConnectBackoff();
        return stub.withWaitForReady();
    }

    boolean isConnected() {
        return channels.stream().anyMatch(channel -> channel.getState(false) == ConnectivityState.READY);
    }

    private void resetConnectBackoff() {
        channels.forEach(ManagedChannel::resetConnectBackoff);
    }
}
