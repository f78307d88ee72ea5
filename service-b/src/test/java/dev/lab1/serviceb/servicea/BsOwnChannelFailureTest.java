package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.fakea.FakeServiceA;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.serviceb.servicea.ServiceAClient.CallResult;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A local exception inside B's own channel (an interceptor that throws), through a real channel to a
 * healthy A: B answers internal_error, and the breaker records nothing against A. (The status form,
 * UNKNOWN caused by a local NullPointerException as in issue 22, is ServiceAClientTest's.)
 */
@Timeout(60)
class BsOwnChannelFailureTest {

    private final FakeServiceA a = new FakeServiceA();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slowCallDurationThreshold(Duration.ofMillis(900))
            .permittedNumberOfCallsInHalfOpenState(1)
            .recordException(ServiceABreaker::isFailureOfA)
            .build());
    private Server server;
    private ManagedChannel channel;
    private ServiceAClient client;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(a).build().start();
        channel = InProcessChannelBuilder.forName(name).intercept(new FailingInterceptor()).build();
        client = new ServiceAClient(ServiceAGrpc.newBlockingStub(channel), mock(ServiceAChannel.class), Duration.ZERO,
                BulkheadRegistry.ofDefaults(), breakers,
                TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(Duration.ofSeconds(1)).build()),
                new ObjectMapper());
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aBugInBsChannelIsInternalErrorAndNotAFailureOfA() {
        failuresLeft.set(3);
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);

        for (int i = 0; i < 3; i++) {
            CallResult result = client.echo("x");
            assertThat(result.outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
            assertThat(result.detail()).contains("NullPointerException").contains("injected");
        }

        assertThat(a.calls()).as("A was never reached").isZero();
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.OK);
    }

    @Test
    void aHalfOpenTrialHitByABugInBsChannelLeavesTheTrialToTheNextCall() {
        failuresLeft.set(1);
        CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.OK);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    /** A bug in B's call stack: an interceptor whose call throws as it starts (before A is reached). */
    private final class FailingInterceptor implements ClientInterceptor {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                @Override
                public void start(Listener<R> listener, Metadata headers) {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new NullPointerException("injected: a bug in B's channel");
                    }
                    super.start(listener, headers);
                }
            };
        }
    }
}
