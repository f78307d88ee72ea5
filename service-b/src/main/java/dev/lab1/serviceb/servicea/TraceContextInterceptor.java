package dev.lab1.serviceb.servicea;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;

/**
 * Sends the current trace context (W3C {@code traceparent}, as the tracer propagates it) with every
 * call to A, so that A's log line carries the trace id of B's request. It replaces Micrometer's
 * gRPC client Observation: that one timed every call a second time (the HTTP server observation of
 * {@code /call-echo} already times it, A's {@code grpc_server_seconds} times A's part) and opened a
 * client span per call, recorded or not, which measured as the dearest part of the call after the
 * transport itself (docs/benchmarks.md). A's server span is the child of B's request span.
 */
final class TraceContextInterceptor implements ClientInterceptor {

    private static final ConcurrentMap<String, Metadata.Key<String>> KEYS = new ConcurrentHashMap<>();

    private final Tracer tracer;
    private final Propagator propagator;

    TraceContextInterceptor(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                TraceContext context = tracer.currentTraceContext().context();
                if (context != null) {
                    propagator.inject(context, headers, (carrier, key, value) -> carrier.put(
                            KEYS.computeIfAbsent(key, k -> Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)), value));
                }
                super.start(listener, headers);
            }
        };
    }
}
