package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * How B recovers after A was down, without a 60 s process test: the breaker turning half-open
 * reconnects at once, trial calls wait for the connection, and a trial that never got a
 * connection is reported as A unavailable, not as A slow.
 */
class ServiceARecoveryTest {

    private static final Duration LIMIT = Duration.ofMillis(300);
    private static final Duration CONNECT_WAIT = Duration.ofMillis(100);

    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .waitDurationInOpenState(Duration.ofMinutes(1)) // the test moves the breaker itself
            .build());
    private final CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ServiceAClient.class);
    private Server server;
    private ServiceAChannel channel;

    ServiceARecoveryTest() {
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void close() throws InterruptedException {
        logger.detachAppender(logged);
        if (channel != null) {
            channel.destroy();
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void halfOpenReconnectsAtOnceAndIsLogged() {
        ServiceAChannel mocked = mock(ServiceAChannel.class);
        when(mocked.channel()).thenReturn(InProcessChannelBuilder.forName("unused").build());
        client(mocked);

        breaker.transitionToOpenState();
        verify(mocked, never()).reconnectNow();
        breaker.transitionToHalfOpenState();

        verify(mocked).reconnectNow();
        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).containsExactly(
                "service=B circuit_breaker=service-a from=CLOSED to=OPEN",
                "service=B circuit_breaker=service-a from=OPEN to=HALF_OPEN");
    }

    @Test
    void aTrialCallThatNeverGetsAConnectionIsUnavailableNotTimeout() {
        // Nothing serves this name: the channel can never connect.
        channel = channelTo(InProcessServerBuilder.generateName());
        var client = client();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        long start = System.nanoTime();
        CallResult result = client.echo("trial");

        assertThat(result.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(result.detail()).contains("no connection to A within the time limit");
        // It did wait for the connection, up to the limit, rather than fail on a stale state.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(LIMIT.minusMillis(20));
    }

    @Test
    void aConnectedTrialCallThatMissesTheLimitStaysATimeout() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                // never answers: A reached, but slow
            }
        }).build().start();
        channel = channelTo(name);
        var client = client();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        assertThat(client.echo("trial").reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(channel.isUnreachable()).as("connected to a slow A: reachable").isFalse();
    }

    @Test
    void outsideHalfOpenAnUnreachableAFailsAfterTheConnectWaitNotTheLimit() {
        channel = channelTo(InProcessServerBuilder.generateName());
        Duration longLimit = Duration.ofSeconds(3);
        var client = client(channel, CONNECT_WAIT, longLimit);

        // Closed breaker: the call waits for a connection at most the connect wait, then answers.
        long start = System.nanoTime();
        assertThat(client.echo("closed").reason()).isEqualTo(Reason.UNAVAILABLE);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(CONNECT_WAIT.minusMillis(20)).isLessThan(longLimit.dividedBy(2));
        // What the breaker's unreachable rule reads: B's attempt to connect failed.
        assertThat(channel.isUnreachable()).isTrue();
    }

    @Test
    void aStaleRefusalDoesNotFailTheFirstCallAfterAComesBack() throws Exception {
        String name = InProcessServerBuilder.generateName();
        channel = channelTo(name);
        var client = client(channel, CONNECT_WAIT);
        assertThat(client.echo("A down").reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(channel.isUnreachable()).isTrue(); // refused; the next attempt is a backoff (about 1 s) away

        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                observer.onNext(EchoReply.newBuilder().setMsg("{\"echo\": \"" + request.getMsg() + "\"}").build());
                observer.onCompleted();
            }
        }).build().start();

        // A is back: the very next call gets it, not the stale refusal.
        assertThat(client.echo("A back").reason()).isEqualTo(Reason.OK);
    }

    private ServiceAClient client() {
        return client(channel);
    }

    private ServiceAClient client(ServiceAChannel serviceA) {
        return client(serviceA, CONNECT_WAIT);
    }

    private ServiceAClient client(ServiceAChannel serviceA, Duration connectWait) {
        return client(serviceA, connectWait, LIMIT);
    }

    private ServiceAClient client(ServiceAChannel serviceA, Duration connectWait, Duration timeLimit) {
        return new ServiceAClient(ServiceAGrpc.newBlockingStub(serviceA.channel()), serviceA, connectWait,
                BulkheadRegistry.ofDefaults(), breakers,
                TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(timeLimit).build()), new ObjectMapper());
    }

    /** B's channel as configured in production (application.yml's service config), to an in-process name. */
    private static ServiceAChannel channelTo(String inProcessName) {
        return new ServiceAChannel(ServiceAChannelTest.properties("in-process:" + inProcessName), Tracer.NOOP, Propagator.NOOP);
    }
}
