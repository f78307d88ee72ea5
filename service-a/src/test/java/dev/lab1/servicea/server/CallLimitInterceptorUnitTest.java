package dev.lab1.servicea.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.after;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;

import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import dev.lab1.tls.TlsMode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link CallLimitInterceptor} alone, driven as grpc-java drives a server listener: admission only
 * once the request is complete, the Echo call limit and its permit's one release, the request
 * timeout, and the methods it leaves alone.
 */
class CallLimitInterceptorUnitTest {

    private static final int LIMIT = 2;
    private static final Duration REQUEST_TIMEOUT = Duration.ofMillis(200);
    private static final EchoRequest REQUEST = EchoRequest.newBuilder().setMsg("x").build();

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final CallLimitInterceptor limiter = new CallLimitInterceptor(new GrpcServerTuning(1, 1, LIMIT, 1, REQUEST_TIMEOUT,
            new GrpcServerTuning.WarmUp(0, Duration.ofSeconds(1)),
            new GrpcServerTuning.Tls(TlsMode.PLAINTEXT, "grpc", "certs")), meters);
    private final Metadata headers = new Metadata();

    @AfterEach
    void close() {
        limiter.destroy();
    }

    /** One call to {@code method}: its ServerCall, the handler behind the interceptor, and the handler's listener. */
    private final class Call<Q, R> {
        @SuppressWarnings("unchecked")
        final ServerCall<Q, R> call = mock(ServerCall.class);
        @SuppressWarnings("unchecked")
        final ServerCallHandler<Q, R> next = mock(ServerCallHandler.class);
        @SuppressWarnings("unchecked")
        final ServerCall.Listener<Q> handler = mock(ServerCall.Listener.class);
        final ServerCall.Listener<Q> listener;

        Call(MethodDescriptor<Q, R> method) {
            when(call.getMethodDescriptor()).thenReturn(method);
            when(next.startCall(call, headers)).thenReturn(handler);
            listener = limiter.interceptCall(call, headers, next);
        }
    }

    private Call<EchoRequest, EchoReply> echo() {
        return new Call<>(ServiceAGrpc.getEchoMethod());
    }

    /** An Echo whose request is complete: admitted (or refused). */
    private Call<EchoRequest, EchoReply> completeEcho() {
        var echo = echo();
        echo.listener.onMessage(REQUEST);
        echo.listener.onHalfClose();
        return echo;
    }

    private double inFlight() {
        return meters.get("grpc.calls.in.flight").gauge().value();
    }

    @Test
    void theHandlerStartsOnlyOnceTheRequestIsCompleteAndThenGetsEverything() {
        var echo = echo();
        verify(echo.call).request(2);
        echo.listener.onMessage(REQUEST);
        echo.listener.onReady();
        verify(echo.next, never()).startCall(any(), any());
        verify(echo.handler, never()).onMessage(any());
        verify(echo.handler, never()).onReady();
        assertThat(inFlight()).isZero();

        echo.listener.onHalfClose();

        var order = inOrder(echo.next, echo.handler);
        order.verify(echo.next).startCall(echo.call, headers);
        order.verify(echo.handler).onMessage(REQUEST);
        order.verify(echo.handler).onHalfClose();
        assertThat(inFlight()).isEqualTo(1);
        // Once started, the handler hears the rest of the call itself.
        EchoRequest second = EchoRequest.newBuilder().setMsg("second").build();
        echo.listener.onMessage(second);
        verify(echo.handler).onMessage(second);
        echo.listener.onReady();
        verify(echo.handler).onReady();
        echo.listener.onComplete();
        verify(echo.handler).onComplete();
        assertThat(inFlight()).isZero();
    }

    @Test
    void pastTheLimitAnEchoIsRefusedAtOnceAndAPermitComesBackOnceWhenACallEnds() {
        var first = completeEcho();
        var second = completeEcho();
        assertThat(inFlight()).isEqualTo(LIMIT);

        var third = completeEcho();

        verify(third.next, never()).startCall(any(), any());
        verify(third.call).close(argThat(status -> status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && "service A holds 2 calls already (service-a.grpc.max-calls-in-flight)".equals(status.getDescription())),
                any(Metadata.class));
        assertThat(meters.get("grpc.calls.refused").counter().count()).isEqualTo(1);
        assertThat(inFlight()).isEqualTo(LIMIT);

        first.listener.onCancel();
        verify(first.handler).onCancel();
        assertThat(inFlight()).isEqualTo(1);
        // The end of a call gives its permit back once, however it is reported.
        first.listener.onComplete();
        first.listener.onCancel();
        assertThat(inFlight()).isEqualTo(1);

        var fourth = completeEcho();
        verify(fourth.next).startCall(fourth.call, headers);
        assertThat(inFlight()).isEqualTo(LIMIT);
        second.listener.onComplete();
        fourth.listener.onComplete();
        assertThat(inFlight()).isZero();
    }

    @Test
    void otherUnaryMethodsAreNotLimitedAndHoldNoPermit() {
        completeEcho();
        completeEcho();
        var health = new Call<>(ServiceAGrpc.getHealthCheckMethod());
        health.listener.onMessage(dev.lab1.proto.HealthCheckRequest.getDefaultInstance());
        health.listener.onHalfClose();

        verify(health.next).startCall(health.call, headers);
        verify(health.call, never()).close(any(), any());
        health.listener.onComplete();
        assertThat(inFlight()).isEqualTo(LIMIT);
    }

    @Test
    void aClientStreamingMethodIsHandedOnAsItIs() {
        MethodDescriptor<EchoRequest, EchoReply> streaming = ServiceAGrpc.getEchoMethod().toBuilder()
                .setFullMethodName("serviceA.ServiceA/Upload").setType(MethodDescriptor.MethodType.CLIENT_STREAMING).build();

        var upload = new Call<>(streaming);

        assertThat(upload.listener).isSameAs(upload.handler);
        verify(upload.call, never()).request(2);
    }

    @Test
    void aRequestNotCompleteWithinTheTimeoutIsClosedAndNeverStarted() {
        var echo = echo();
        echo.listener.onMessage(REQUEST);

        verify(echo.call, timeout(5_000)).close(argThat(status -> status.getCode() == Status.Code.DEADLINE_EXCEEDED
                && "request not complete within 200 ms (service-a.grpc.request-timeout)".equals(status.getDescription())),
                any(Metadata.class));
        assertThat(meters.get("grpc.requests.timed.out").counter().count()).isEqualTo(1);

        echo.listener.onHalfClose(); // too late
        verify(echo.next, never()).startCall(any(), any());
        assertThat(inFlight()).isZero();
    }

    @Test
    void aCompleteOrCancelledRequestIsNotTimedOut() {
        var admitted = completeEcho();
        var cancelled = echo();
        cancelled.listener.onCancel();

        verify(admitted.call, after(REQUEST_TIMEOUT.multipliedBy(3).toMillis()).never()).close(any(), any());
        verify(cancelled.call, never()).close(any(), any());
        verify(cancelled.handler, never()).onCancel();
        assertThat(meters.get("grpc.requests.timed.out").counter().count()).isZero();
    }

    @Test
    void aHandlerThatFailsToStartGivesItsPermitBack() {
        var echo = echo();
        when(echo.next.startCall(any(), any())).thenThrow(new IllegalStateException("a broken handler"));
        echo.listener.onMessage(REQUEST);

        assertThatThrownBy(echo.listener::onHalfClose).isInstanceOf(IllegalStateException.class);
        assertThat(inFlight()).isZero();
    }

    @Test
    void afterDestroyNoCallIsTaken() {
        limiter.destroy();

        assertThatThrownBy(this::echo).isInstanceOf(RejectedExecutionException.class);
    }
}
