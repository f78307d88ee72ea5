package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.ServiceAGrpc.ServiceABlockingStub;
import dev.lab1.serviceb.servicea.ServiceAClient.CallResult;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** The client's bookkeeping with the breaker, on paths a real A cannot easily provoke. */
class ServiceAClientTest {

    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slowCallDurationThreshold(Duration.ofMillis(900))
            .permittedNumberOfCallsInHalfOpenState(1)
            .recordException(ServiceABreaker::isFailureOfA)
            .build());
    private final ServiceABlockingStub stub = mock(ServiceABlockingStub.class);

    private ServiceAClient client() {
        when(stub.withDeadlineAfter(anyLong(), any(TimeUnit.class))).thenReturn(stub);
        when(stub.withWaitForReady()).thenReturn(stub);
        return new ServiceAClient(stub, mock(ServiceAChannel.class), Duration.ZERO, BulkheadRegistry.ofDefaults(), breakers,
                TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(Duration.ofSeconds(1)).build()),
                new ObjectMapper());
    }

    @Test
    void anErrorDuringAHalfOpenTrialIsReportedAndDoesNotLeakItsPermit() {
        ServiceAClient client = client();
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        when(stub.echo(any())).thenThrow(new StackOverflowError("a bug, not A"));

        assertThatThrownBy(() -> client.echo("x")).isInstanceOf(StackOverflowError.class);

        // The one trial was reported (as a failure): the breaker decided, instead of waiting for it forever.
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }

    @Test
    void anErrorInAClosedBreakerIsRecorded() {
        ServiceAClient client = client();
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        when(stub.echo(any())).thenThrow(new OutOfMemoryError("simulated"));

        assertThatThrownBy(() -> client.echo("x")).isInstanceOf(OutOfMemoryError.class);

        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
    }

    @Test
    void aCallCutByItsConnectionClosingIsUnavailableNotAnError() {
        ServiceAClient client = client();
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        when(stub.echo(any())).thenThrow(Status.UNKNOWN.withDescription("channel closed")
                .withCause(new java.nio.channels.ClosedChannelException()).asRuntimeException());

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.error()).isEqualTo("service A is not reachable");
        assertThat(result.detail()).startsWith("UNAVAILABLE: connection to A closed during the call");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
    }

    @Test
    void anUnknownStatusOfAIsStillAnError() {
        ServiceAClient client = client();
        when(stub.echo(any())).thenThrow(Status.UNKNOWN.withDescription("a bug in A").asRuntimeException());

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.A_BROKEN);
        assertThat(result.outcome().label()).isEqualTo("error");
    }

    @Test
    void aLocalExceptionInBsChannelIsAnInternalErrorNotCountedAgainstA() {
        ServiceAClient client = client();
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        when(stub.echo(any())).thenThrow(Status.UNKNOWN.withCause(new NullPointerException("tracker is null")).asRuntimeException());

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
        assertThat(result.detail()).isEqualTo("UNKNOWN (java.lang.NullPointerException: tracker is null)");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    }

    @Test
    void aHalfOpenTrialEndedByBsOwnFailureGivesItsPermitBack() {
        ServiceAClient client = client();
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        when(stub.echo(any()))
                .thenThrow(new IllegalStateException("an interceptor's bug"))
                .thenReturn(dev.lab1.proto.EchoReply.newBuilder().setMsg("{\"echo\": \"x\"}").build());

        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        // The one permitted trial is available again: it reaches A, and A's answer closes the breaker.
        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.OK);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
}
