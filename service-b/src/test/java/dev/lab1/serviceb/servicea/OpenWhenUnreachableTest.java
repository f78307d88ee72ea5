package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.lab1.serviceb.servicea.ServiceABreaker.OpenWhenUnreachable;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** {@link ServiceABreaker.OpenWhenUnreachable}, the fast rule alone: the breaker's own window is given too many calls to judge to ever open here. */
class OpenWhenUnreachableTest {

    private final AtomicBoolean unreachable = new AtomicBoolean(true);
    private final CircuitBreaker breaker = CircuitBreaker.of("service-a", CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
            .slidingWindowSize(5)
            .minimumNumberOfCalls(10_000)
            .recordException(ServiceABreaker::isFailureOfA)
            .transitionOnResult(new OpenWhenUnreachable(3, unreachable::get, Duration.ofMillis(200)))
            .build());

    private void fail(Status status) {
        breaker.onError(1, TimeUnit.MILLISECONDS, status.asRuntimeException());
    }

    @Test
    void failuresInARowWhileUnreachableOpenTheBreaker() {
        fail(Status.UNAVAILABLE);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        // for the wait given, then half-open as usual
        assertThat(breaker.tryAcquirePermission()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(breaker::tryAcquirePermission);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    @Test
    void timeoutsNeitherCountNorBreakTheRun() {
        fail(Status.UNAVAILABLE);
        fail(Status.DEADLINE_EXCEEDED);
        fail(Status.DEADLINE_EXCEEDED);
        fail(Status.DEADLINE_EXCEEDED);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(Status.INTERNAL);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void aSuccessOrAnApplicationAnswerEndsTheRun() {
        fail(Status.UNAVAILABLE);
        fail(Status.UNAVAILABLE);
        breaker.onResult(1, TimeUnit.MILLISECONDS, "reply");
        fail(Status.UNAVAILABLE);
        fail(Status.UNAVAILABLE);
        fail(Status.INVALID_ARGUMENT);
        fail(Status.UNAVAILABLE);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void failuresWhileBCanConnectDoNotOpenIt() {
        // A dropped connection that B is re-establishing: the calls it cut fail, A is alive.
        unreachable.set(false);
        for (int i = 0; i < 10; i++) {
            fail(Status.UNAVAILABLE);
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        // ... and the run goes on: once B's attempts to connect fail too, the next failure opens it.
        unreachable.set(true);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void aRunStartsAfreshAfterOpening() {
        for (int i = 0; i < 3; i++) {
            fail(Status.UNAVAILABLE);
        }
        breaker.transitionToClosedState();
        fail(Status.UNAVAILABLE);
        fail(Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void atLeastOneFailure() {
        assertThatThrownBy(() -> new OpenWhenUnreachable(0, unreachable::get, Duration.ofSeconds(5))).isInstanceOf(IllegalArgumentException.class);
    }
}
