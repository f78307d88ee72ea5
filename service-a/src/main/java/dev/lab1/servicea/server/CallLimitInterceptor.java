package dev.lab1.servicea.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
import org.springframework.beans.factory.DisposableBean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * What a call may hold of A, and from when: a call is admitted (handed to the call log and the
 * handler) only once its request is complete, so a client that opens streams and never finishes
 * them holds no handler, no permit and no log line, and its streams are closed after
 * {@code service-a.grpc.request-timeout}.
 *
 * <ul>
 * <li><b>Request timeout</b>, for every method whose client sends one message (unary and
 * server-streaming: Echo, HealthCheck, grpc.health.v1): a request not complete (half-closed) within
 * the timeout is closed DEADLINE_EXCEEDED. B sends its request in one write, microseconds after
 * opening the stream. Client-streaming methods (server reflection) keep sending and are left alone.</li>
 * <li><b>Call limit</b>, for Echo: at most {@code service-a.grpc.max-calls-in-flight} admitted calls
 * at once, delayed replies included (so the delay scheduler's queue is bounded too). A call past the
 * limit is answered RESOURCE_EXHAUSTED at once (B answers 503 busy); nothing waits in a queue. The
 * permit is held from the complete request to the end of the call. HealthCheck, grpc.health.v1 and
 * reflection are not limited: they are answered at once and must keep working when A is full.</li>
 * </ul>
 *
 * <p>Inside the tracing and metrics interceptors (a refused or timed-out call is measured with its
 * status), outside the call log (a flood of refusals does not become a flood of log lines;
 * {@code grpc_calls_refused_total} and {@code grpc_requests_timed_out_total} count them).
 */
@GrpcGlobalServerInterceptor
@Order(Ordered.LOWEST_PRECEDENCE - 1)
class CallLimitInterceptor implements ServerInterceptor, DisposableBean {

    private final int limit;
    private final long requestTimeoutNanos;
    private final Semaphore permits;
    private final Counter refused;
    private final Counter timedOut;
    private final ScheduledExecutorService timeouts;

    CallLimitInterceptor(GrpcServerTuning tuning, MeterRegistry meters) {
        this.limit = tuning.maxCallsInFlight();
        this.requestTimeoutNanos = tuning.requestTimeout().toNanos();
        this.permits = new Semaphore(limit);
        this.refused = Counter.builder("grpc.calls.refused")
                .description("Calls answered RESOURCE_EXHAUSTED because A held max-calls-in-flight calls")
                .register(meters);
        this.timedOut = Counter.builder("grpc.requests.timed.out")
                .description("Calls closed because their request was not complete within service-a.grpc.request-timeout")
                .register(meters);
        Gauge.builder("grpc.calls.in.flight", permits, p -> limit - p.availablePermits())
                .description("Echo calls A holds now (limit: service-a.grpc.max-calls-in-flight)")
                .register(meters);
        var scheduler = new ScheduledThreadPoolExecutor(1, new CustomizableThreadFactory("grpc-request-timeout-"));
        scheduler.setRemoveOnCancelPolicy(true); // a request that completes leaves no task behind
        this.timeouts = scheduler;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!call.getMethodDescriptor().getType().clientSendsOneMessage()) {
            return next.startCall(call, headers);
        }
        boolean limited = ServiceAGrpc.getEchoMethod().getFullMethodName().equals(call.getMethodDescriptor().getFullMethodName());
        var admission = new Admission<>(call, headers, next, limited);
        // The handler is not started yet, so nobody else asks for the request: ask for it here (two,
        // as gRPC's unary handler does, so that a second message is seen and refused by it).
        call.request(2);
        admission.timeout = timeouts.schedule(admission::timeOut, requestTimeoutNanos, TimeUnit.NANOSECONDS);
        return admission;
    }

    @Override
    public void destroy() {
        timeouts.shutdownNow();
    }

    /**
     * Holds a call's request until it is complete, then starts the handler (or refuses the call).
     * Exactly one of admit, refuse and time out decides, so the call is never used from two threads.
     */
    private final class Admission<Q, R> extends ServerCall.Listener<Q> {

        private final ServerCall<Q, R> call;
        private final Metadata headers;
        private final ServerCallHandler<Q, R> next;
        private final boolean limited;
        private final List<Q> request = new ArrayList<>(2);
        private final AtomicBoolean decided = new AtomicBoolean();
        private final AtomicBoolean released = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;
        private volatile ServerCall.Listener<Q> handler;

        Admission(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next, boolean limited) {
            this.call = call;
            this.headers = headers;
            this.next = next;
            this.limited = limited;
        }

        @Override
        public void onMessage(Q message) {
            if (handler != null) {
                handler.onMessage(message);
            } else if (!decided.get()) {
                request.add(message);
            }
        }

        @Override
        public void onHalfClose() {
            if (!decided.compareAndSet(false, true)) {
                return; // timed out already
            }
            timeout.cancel(false);
            if (limited && !permits.tryAcquire()) {
                refused.increment();
                call.close(Status.RESOURCE_EXHAUSTED.withDescription(
                        "service A holds " + limit + " calls already (service-a.grpc.max-calls-in-flight)"), new Metadata());
                return;
            }
            ServerCall.Listener<Q> started;
            try {
                started = next.startCall(call, headers);
            } catch (RuntimeException | Error e) {
                release();
                throw e;
            }
            handler = limited ? releasingOnEnd(started) : started;
            request.forEach(handler::onMessage);
            request.clear();
            handler.onHalfClose();
        }

        void timeOut() {
            if (decided.compareAndSet(false, true)) {
                timedOut.increment();
                call.close(Status.DEADLINE_EXCEEDED.withDescription("request not complete within "
                        + TimeUnit.NANOSECONDS.toMillis(requestTimeoutNanos) + " ms (service-a.grpc.request-timeout)"),
                        new Metadata());
            }
        }

        @Override
        public void onCancel() {
            timeout.cancel(false);
            if (handler != null) {
                handler.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (handler != null) {
                handler.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (handler != null) {
                handler.onReady();
            }
        }

        private void release() {
            if (limited && released.compareAndSet(false, true)) {
                permits.release();
            }
        }

        /** Every call ends with exactly one of onComplete and onCancel: the permit goes back there. */
        private ServerCall.Listener<Q> releasingOnEnd(ServerCall.Listener<Q> delegate) {
            return new SimpleForwardingServerCallListener<>(delegate) {
                @Override
                public void onComplete() {
                    try {
                        super.onComplete();
                    } finally {
                        release();
                    }
                }

                @Override
                public void onCancel() {
                    try {
                        super.onCancel();
                    } finally {
                        release();
                    }
                }
            };
        }
    }
}
