package dev.lab1.servicea.server;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import net.devh.boot.grpc.server.interceptor.GrpcGlobalServerInterceptor;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * What happens when A's handler queue is full: the call is answered RESOURCE_EXHAUSTED, and no
 * handler runs on the network thread. grpc-java hands every call's work to the executor from a Netty
 * thread and needs it to run; a full bounded queue can neither block that thread nor drop the task
 * (the call would hang). So {@link #executor} runs a refused task on the Netty thread in "refusing"
 * mode, and this interceptor, the outermost, sees that mode: a new call is closed at once, an
 * admitted call's message, half-close or readiness is not delivered and the call is closed instead.
 * Only cancellation and completion still reach the inner interceptors and handlers (they release a
 * permit, cancel a scheduled reply, write the call's log line, which never blocks), so nothing
 * leaks. Counted in {@code grpc_calls_shed_total}.
 */
@GrpcGlobalServerInterceptor
@Order(Ordered.HIGHEST_PRECEDENCE)
class HandlerQueueGuard implements ServerInterceptor {

    private static final ThreadLocal<Boolean> REFUSING = ThreadLocal.withInitial(() -> false);
    private static final Status QUEUE_FULL = Status.RESOURCE_EXHAUSTED.withDescription(
            "service A's handler queue is full (service-a.grpc.handler-queue-capacity)");

    private final Counter shed;

    HandlerQueueGuard(MeterRegistry meters) {
        this.shed = Counter.builder("grpc.calls.shed")
                .description("Calls answered RESOURCE_EXHAUSTED because A's handler queue was full")
                .register(meters);
    }

    /** {@code pool}, with a refused task run on the caller's thread in refusing mode (see above). */
    static Executor executor(ExecutorService pool) {
        return task -> {
            try {
                pool.execute(task);
            } catch (RejectedExecutionException full) {
                if (pool.isShutdown()) {
                    throw full;
                }
                REFUSING.set(true);
                try {
                    task.run();
                } finally {
                    REFUSING.set(false);
                }
            }
        };
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (REFUSING.get()) {
            shed.increment();
            call.close(QUEUE_FULL, new Metadata());
            return new ServerCall.Listener<>() {
            };
        }
        var closed = new AtomicBoolean();
        return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
                if (!refused()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (!refused()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (!refused()) {
                    super.onReady();
                }
            }

            private boolean refused() {
                if (closed.get()) {
                    return true; // closed by an earlier refusal: the handler never sees the rest of the call
                }
                if (!REFUSING.get()) {
                    return false;
                }
                if (closed.compareAndSet(false, true)) {
                    shed.increment();
                    call.close(QUEUE_FULL, new Metadata());
                }
                return true;
            }
        };
    }
}
