package dev.lab1.servicea.calllog;

import java.util.concurrent.TimeUnit;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import net.devh.boot.grpc.server.interceptor.GrpcGlobalServerInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per gRPC call, in the original's key=value shape:
 * {@code service=A procedure=Echo status=ok latency_ms=3}. A call the client abandoned (it
 * cancelled, or its deadline passed) is logged {@code status=cancelled}, never ok.
 */
@GrpcGlobalServerInterceptor
class CallLogInterceptor implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(CallLogInterceptor.class);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String procedure = call.getMethodDescriptor().getBareMethodName();
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
                        log.info("service=A procedure={} status=ok latency_ms={}", procedure, millisSince(start));
                    } else {
                        log.info("service=A procedure={} status=error code={} latency_ms={}",
                                procedure, status.getCode(), millisSince(start));
                    }
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    log.info("service=A procedure={} status=cancelled latency_ms={}", procedure, millisSince(start));
                }
            }
        };
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
