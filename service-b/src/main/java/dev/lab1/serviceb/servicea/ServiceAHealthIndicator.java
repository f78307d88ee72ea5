package dev.lab1.serviceb.servicea;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.lab1.serviceb.ServiceBProperties;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.Channel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * B's view of A, as the {@code serviceA} component of {@code /actuator/health}: the circuit
 * breaker's state and whether A answers {@code grpc.health.v1} SERVING.
 *
 * <p>A's failure is not B's: when A is unreachable or the breaker is not closed this component is
 * {@code DEGRADED}, which application.yml orders below UP and maps to HTTP 200, so B stays UP. It
 * is in neither the liveness nor the readiness group. A's health is checked at most once per
 * {@code service-b.service-a.health.cache-for}, asynchronously with a short deadline, and only when
 * somebody asks: never one probe per health request, and no traffic when nobody looks.
 */
@Component("serviceA")
class ServiceAHealthIndicator implements HealthIndicator {

    static final Status DEGRADED = new Status("DEGRADED");

    /** @param tlsFailure why the TLS handshake with A failed (TlsFailure), or null */
    private record Probe(Instant at, String servingStatus, String tlsFailure) {
    }

    private final HealthGrpc.HealthFutureStub health;
    private final CircuitBreaker breaker;
    private final ServiceBProperties.Health properties;
    private final Clock clock;
    private final AtomicBoolean probing = new AtomicBoolean();
    private volatile Probe last = new Probe(Instant.EPOCH, "UNKNOWN", null);

    @Autowired
    ServiceAHealthIndicator(ServiceAChannel channel, CircuitBreakerRegistry breakers, ServiceBProperties properties) {
        this(channel.channel(), breakers.circuitBreaker(ServiceAClient.SERVICE_A),
                properties.serviceA().health(), Clock.systemUTC());
    }

    ServiceAHealthIndicator(Channel channel, CircuitBreaker breaker, ServiceBProperties.Health properties, Clock clock) {
        this.health = HealthGrpc.newFutureStub(channel);
        this.breaker = breaker;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Probe probe = last;
        if (Duration.between(probe.at(), clock.instant()).compareTo(properties.cacheFor()) >= 0) {
            probeInBackground();
        }
        boolean serving = "SERVING".equals(probe.servingStatus());
        CircuitBreaker.State state = breaker.getState();
        var health = Health.status(serving && state == CircuitBreaker.State.CLOSED ? Status.UP : DEGRADED)
                .withDetail("reachable", serving);
        if (probe.tlsFailure() != null) {
            health.withDetail("tls", probe.tlsFailure());
        }
        return health
                .withDetail("grpcHealth", probe.servingStatus())
                .withDetail("checkedAt", probe.at().equals(Instant.EPOCH) ? "never" : probe.at().toString())
                .withDetail("circuitBreaker", state.name())
                .withDetail("failureRate", breaker.getMetrics().getFailureRate())
                .build();
    }

    private void probeInBackground() {
        if (!probing.compareAndSet(false, true)) {
            return; // one probe at a time, whatever the number of health requests
        }
        var check = health.withDeadlineAfter(properties.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.getDefaultInstance());
        Futures.addCallback(check, new FutureCallback<>() {
            @Override
            public void onSuccess(HealthCheckResponse response) {
                record(response.getStatus().name(), null);
            }

            @Override
            public void onFailure(Throwable t) {
                io.grpc.Status status = io.grpc.Status.fromThrowable(t);
                record(status.getCode().name(), TlsFailure.reason(status.getCause()));
            }
        }, MoreExecutors.directExecutor());
    }

    private void record(String servingStatus, String tlsFailure) {
        last = new Probe(clock.instant(), servingStatus, tlsFailure);
        probing.set(false);
    }
}
