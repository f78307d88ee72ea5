package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.util.concurrent.atomic.AtomicReference;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.micrometer.tracing.CurrentTraceContext;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.junit.jupiter.api.Test;

/** The trace context of B's request reaches A as request headers; without one, nothing is sent. */
class TraceContextInterceptorTest {

    private static final String TRACEPARENT = "00-6b0b6c5015351a401bff660f686b3811-1bff660f686b3811-00";

    private final Tracer tracer = mock(Tracer.class);
    private final CurrentTraceContext current = mock(CurrentTraceContext.class);
    private final Propagator propagator = mock(Propagator.class);
    private final AtomicReference<Metadata> sent = new AtomicReference<>();

    @Test
    void theCurrentContextIsInjectedIntoTheCallsHeaders() {
        TraceContext context = mock(TraceContext.class);
        when(tracer.currentTraceContext()).thenReturn(current);
        when(current.context()).thenReturn(context);
        doAnswer(invocation -> {
            Propagator.Setter<Metadata> setter = invocation.getArgument(2);
            setter.set(invocation.getArgument(1), "traceparent", TRACEPARENT);
            return null;
        }).when(propagator).inject(eq(context), any(Metadata.class), any());

        startCall();

        assertThat(sent.get().get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo(TRACEPARENT);
    }

    @Test
    void withoutAContextNothingIsInjected() {
        when(tracer.currentTraceContext()).thenReturn(current);

        startCall();

        assertThat(sent.get().keys()).isEmpty();
        verifyNoInteractions(propagator);
    }

    private void startCall() {
        Channel next = new Channel() {
            @Override
            public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
                return new ClientCall<>() {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        sent.set(headers);
                    }

                    @Override
                    public void request(int numMessages) {
                    }

                    @Override
                    public void cancel(String message, Throwable cause) {
                    }

                    @Override
                    public void halfClose() {
                    }

                    @Override
                    public void sendMessage(Q message) {
                    }
                };
            }

            @Override
            public String authority() {
                return "service-a";
            }
        };
        new TraceContextInterceptor(tracer, propagator)
                .interceptCall(ServiceAGrpc.getEchoMethod(), CallOptions.DEFAULT, next)
                .start(new ClientCall.Listener<>() { }, new Metadata());
    }
}
