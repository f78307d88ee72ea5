package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.lab1.serviceb.ServiceBProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * B's {@code serviceA} health component against an in-process {@code grpc.health.v1} that the
 * test controls (its answer, or no answer at all), with a clock the test moves.
 */
class ServiceAHealthIndicatorTest {

    private static final Duration CACHE_FOR = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(200);

    private final FakeHealth fakeHealth = new FakeHealth();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final CircuitBreaker breaker = CircuitBreaker.ofDefaults("service-a");
    /** Probes B sent, counted as they are started (synchronously, in health()). */
    private final AtomicInteger probesSent = new AtomicInteger();
    private final Server server;
    private final ManagedChannel channel;
    private final ServiceAHealthIndicator indicator;

    ServiceAHealthIndicatorTest() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(fakeHealth).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        indicator = new ServiceAHealthIndicator(ClientInterceptors.intercept(channel, countingInterceptor()), breaker,
                new ServiceBProperties.Health(CACHE_FOR, PROBE_TIMEOUT), clock);
    }

    @AfterEach
    void close() throws InterruptedException {
        fakeHealth.releaseHeld();
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void neverCheckedIsDegradedAndStartsTheFirstProbe() {
        fakeHealth.answer(ServingStatus.SERVING);

        Health first = indicator.health();

        assertThat(first.getStatus()).isEqualTo(ServiceAHealthIndicator.DEGRADED);
        assertThat(first.getDetails()).containsEntry("checkedAt", "never").containsEntry("grpcHealth", "UNKNOWN")
                .containsEntry("reachable", false);
        assertThat(probesSent).hasValue(1);
    }

    @Test
    void upWhenAServesAndTheBreakerIsClosed() {
        fakeHealth.answer(ServingStatus.SERVING);

        Health health = healthOnceProbed();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("reachable", true).containsEntry("grpcHealth", "SERVING")
                .containsEntry("checkedAt", clock.instant().toString()).containsEntry("circuitBreaker", "CLOSED");
    }

    @Test
    void degradedWhenAServesButTheBreakerIsOpen() {
        fakeHealth.answer(ServingStatus.SERVING);
        breaker.transitionToOpenState();

        Health health = healthOnceProbed();

        assertThat(health.getStatus()).isEqualTo(ServiceAHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("reachable", true).containsEntry("circuitBreaker", "OPEN");
    }

    @Test
    void degradedWhenANotServing() {
        fakeHealth.answer(ServingStatus.NOT_SERVING);

        Health health = healthOnceProbed();

        assertThat(health.getStatus()).isEqualTo(ServiceAHealthIndicator.DEGRADED);
        assertThat(health.getDetails()).containsEntry("reachable", false).containsEntry("grpcHealth", "NOT_SERVING");
    }

    @Test
    void aProbeWithoutAnswerEndsAtItsTimeoutAsDeadlineExceeded() {
        fakeHealth.hold();

        indicator.health();
        var details = await().atMost(Duration.ofSeconds(10))
                .until(() -> indicator.health().getDetails(), d -> !"UNKNOWN".equals(d.get("grpcHealth")));

        assertThat(details).containsEntry("grpcHealth", "DEADLINE_EXCEEDED").containsEntry("reachable", false);
        assertThat(indicator.health().getStatus()).isEqualTo(ServiceAHealthIndicator.DEGRADED);
    }

    @Test
    void anAnswerIsReusedForItsCachePeriodThenCheckedAgain() {
        fakeHealth.answer(ServingStatus.SERVING);
        healthOnceProbed();
        assertThat(probesSent).hasValue(1);

        clock.advance(CACHE_FOR.minusMillis(1));
        for (int i = 0; i < 20; i++) {
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
        }
        assertThat(probesSent).as("no probe within the cache period").hasValue(1);

        fakeHealth.answer(ServingStatus.NOT_SERVING);
        clock.advance(Duration.ofMillis(1));
        assertThat(indicator.health().getStatus()).as("the cached answer, while the new probe runs").isEqualTo(Status.UP);
        assertThat(probesSent).hasValue(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> indicator.health().getStatus().equals(ServiceAHealthIndicator.DEGRADED));
    }

    @Test
    void oneProbeAtATimeWhateverTheNumberOfHealthRequests() {
        fakeHealth.hold();
        // A long timeout, so that the held probe stays in flight while the clock moves.
        var patient = new ServiceAHealthIndicator(ClientInterceptors.intercept(channel, countingInterceptor()), breaker,
                new ServiceBProperties.Health(CACHE_FOR, Duration.ofMinutes(1)), clock);

        patient.health();
        await().atMost(Duration.ofSeconds(10)).until(() -> fakeHealth.held.size() == 1);
        for (int i = 0; i < 20; i++) {
            clock.advance(CACHE_FOR);
            patient.health();
        }
        assertThat(probesSent).as("probes started while one is in flight").hasValue(1);

        fakeHealth.answer(ServingStatus.SERVING);
        fakeHealth.releaseHeld();
        await().atMost(Duration.ofSeconds(10)).until(() -> "SERVING".equals(patient.health().getDetails().get("grpcHealth")));
        clock.advance(CACHE_FOR);
        patient.health();
        assertThat(probesSent).as("the next probe, once the first has answered").hasValue(2);
    }

    /** The first health() starts the probe; the next ones show its answer once it came back. */
    private Health healthOnceProbed() {
        indicator.health();
        return await().atMost(Duration.ofSeconds(10))
                .until(indicator::health, health -> !"never".equals(health.getDetails().get("checkedAt")));
    }

    private ClientInterceptor countingInterceptor() {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                probesSent.incrementAndGet();
                return next.newCall(method, options);
            }
        };
    }

    /** A's grpc.health.v1 as the test wants it: a given status, or no answer until released. */
    private static final class FakeHealth extends HealthGrpc.HealthImplBase {

        private volatile ServingStatus status = ServingStatus.SERVING;
        private volatile boolean holding;
        final ConcurrentLinkedQueue<StreamObserver<HealthCheckResponse>> held = new ConcurrentLinkedQueue<>();

        void answer(ServingStatus status) {
            this.status = status;
        }

        void hold() {
            holding = true;
        }

        void releaseHeld() {
            holding = false;
            StreamObserver<HealthCheckResponse> observer;
            while ((observer = held.poll()) != null) {
                try {
                    reply(observer);
                } catch (RuntimeException alreadyCancelled) {
                    // the caller's deadline ended it first
                }
            }
        }

        @Override
        public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> observer) {
            if (holding) {
                held.add(observer);
            } else {
                reply(observer);
            }
        }

        private void reply(StreamObserver<HealthCheckResponse> observer) {
            observer.onNext(HealthCheckResponse.newBuilder().setStatus(status).build());
            observer.onCompleted();
        }
    }

    private static final class MutableClock extends Clock {

        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
