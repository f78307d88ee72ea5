package dev.lab1.servicea.calllog;

import java.util.concurrent.TimeUnit;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import net.devh.boot.grpc.server.interceptor.GrpcGlobalServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * One log line per call of {@code serviceA.ServiceA}, in the original's key=value shape plus the
 * trace that B propagated: {@code service=A procedure=Echo status=ok latency_ms=3 trace_id=… span_id=…}.
 * A call the client abandoned (it cancelled, or its deadline passed) is logged
 * {@code status=cancelled}, never ok. Health checks and reflection are infrastructure, not calls.
 */
@GrpcGlobalServerInterceptor
@Order(Ordered.LOWEST_PRECEDENCE) // inside the tracing interceptor, so the call's span is current here
class CallLogInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(CallLogInterceptor.class);

    private final Tracer tracer;

    CallLogInterceptor(Tracer tracer) {
        this.tracer = tracer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!ServiceAGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        long start = System.nanoTime();
        String procedure = call.getMethodDescriptor().getBareMethodName();
        TraceContext trace = tracer.currentTraceContext().context();
        String traceIds = trace == null ? "" : " trace_id=" + trace.traceId() + " span_id=" + trace.spanId();
        var closing = new SimpleForwardingServerCall<>(call) {
            volatile Status status = Status.UNKNOWN;

            @Override
            public void close(Status status, Metadata trailers) {
                this.status = status;
                super.close(status, trailers);
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(closing, headers)) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    Status status = closing.status;
                    if (status.isOk()) {
                        log.info("service=A procedure={} status=ok latency_ms={}{}", procedure, millisSince(start), traceIds);
                    } else {
                        log.info("service=A procedure={} status=error code={} latency_ms={}{}",
                                procedure, status.getCode(), millisSince(start), traceIds);
                    }
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    log.info("service=A procedure={} status=cancelled latency_ms={}{}", procedure, millisSince(start), traceIds);
                }
            }
        };
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
