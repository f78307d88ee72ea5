package dev.lab1.servicea.server;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import net.devh.boot.grpc.server.interceptor.GrpcGlobalServerInterceptor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * A bound on the work A holds: at most {@code service-a.grpc.max-calls-in-flight} Echo calls at
 * once, delayed replies included (so the delay scheduler's queue is bounded too). A call past the
 * limit is answered RESOURCE_EXHAUSTED at once (B answers 503 busy); nothing waits in a queue.
 * HealthCheck, grpc.health.v1 and reflection are not limited: they are answered at once and must
 * keep working when A is full.
 *
 * <p>Inside the tracing and metrics interceptors (a refused call is measured with its status), outside
 * the call log (a flood of refusals does not become a flood of log lines; {@code grpc_calls_refused_total}
 * counts them).
 */
@GrpcGlobalServerInterceptor
@Order(Ordered.LOWEST_PRECEDENCE - 1)
class CallLimitInterceptor implements ServerInterceptor {

    private final int limit;
    private final Semaphore permits;
    private final Counter refused;

    CallLimitInterceptor(GrpcServerTuning tuning, MeterRegistry meters) {
        this.limit = tuning.maxCallsInFlight();
        this.permits = new Semaphore(limit);
        this.refused = Counter.builder("grpc.calls.refused")
                .description("Calls answered RESOURCE_EXHAUSTED because A held max-calls-in-flight calls")
                .register(meters);
        Gauge.builder("grpc.calls.in.flight", permits, p -> limit - p.availablePermits())
                .description("Echo calls A holds now (limit: service-a.grpc.max-calls-in-flight)")
                .register(meters);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!ServiceAGrpc.getEchoMethod().getFullMethodName().equals(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        if (!permits.tryAcquire()) {
            refused.increment();
            call.close(Status.RESOURCE_EXHAUSTED.withDescription(
                    "service A holds " + limit + " calls already (service-a.grpc.max-calls-in-flight)"), new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        var released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        };
        ServerCall.Listener<Q> listener;
        try {
            listener = next.startCall(call, headers);
        } catch (RuntimeException | Error e) {
            release.run();
            throw e;
        }
        // Every call ends with exactly one of onComplete and onCancel: the permit goes back there.
        return new SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    release.run();
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    release.run();
                }
            }
        };
    }
}
