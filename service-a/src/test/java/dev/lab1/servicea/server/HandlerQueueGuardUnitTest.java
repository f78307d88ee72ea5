package dev.lab1.servicea.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * {@link HandlerQueueGuard} alone: a task the pool refuses runs on the caller's thread in refusing
 * mode, in which a new call is closed at once and an admitted call's message, half-close and readiness
 * never reach the handler (only its end does).
 */
class HandlerQueueGuardUnitTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final HandlerQueueGuard guard = new HandlerQueueGuard(meters);
    private final ExecutorService full = mock(ExecutorService.class);
    @SuppressWarnings("unchecked")
    private final ServerCall<String, String> call = mock(ServerCall.class);
    @SuppressWarnings("unchecked")
    private final ServerCallHandler<String, String> next = mock(ServerCallHandler.class);
    @SuppressWarnings("unchecked")
    private final ServerCall.Listener<String> handler = mock(ServerCall.Listener.class);
    private final Metadata headers = new Metadata();

    HandlerQueueGuardUnitTest() {
        doThrow(new RejectedExecutionException("queue full")).when(full).execute(any());
        when(next.startCall(call, headers)).thenReturn(handler);
    }

    private double shed() {
        return meters.get("grpc.calls.shed").counter().count();
    }

    private void verifyClosedQueueFull(int times) {
        verify(call, times(times)).close(argThat(status -> status.getCode() == Status.Code.RESOURCE_EXHAUSTED
                && "service A's handler queue is full (service-a.grpc.handler-queue-capacity)".equals(status.getDescription())),
                any(Metadata.class));
    }

    @Test
    void aTaskThePoolTakesRunsOnThePool() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            var ranOn = new AtomicReference<Thread>();
            var refusing = new AtomicReference<ServerCall.Listener<String>>();
            HandlerQueueGuard.executor(pool).execute(() -> {
                ranOn.set(Thread.currentThread());
                refusing.set(guard.interceptCall(call, headers, next));
            });
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();

            assertThat(ranOn.get()).isNotSameAs(Thread.currentThread());
            verify(next).startCall(call, headers);
            verify(call, never()).close(any(), any());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aNewCallInATaskThePoolRefusesIsClosedAtOnce() {
        var listener = new AtomicReference<ServerCall.Listener<String>>();
        var ranOn = new AtomicReference<Thread>();

        HandlerQueueGuard.executor(full).execute(() -> {
            ranOn.set(Thread.currentThread());
            listener.set(guard.interceptCall(call, headers, next));
        });

        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        verify(next, never()).startCall(any(), any());
        verifyClosedQueueFull(1);
        assertThat(shed()).isEqualTo(1);
        assertThat(listener.get()).isNotNull();
        // Refusing mode ends with the task: the next call on this thread is started normally.
        guard.interceptCall(call, headers, next);
        verify(next).startCall(call, headers);
        assertThat(shed()).isEqualTo(1);
    }

    @Test
    void aPoolShutDownRefusesForGood() {
        when(full.isShutdown()).thenReturn(true);
        Runnable task = mock(Runnable.class);

        assertThatThrownBy(() -> HandlerQueueGuard.executor(full).execute(task)).isInstanceOf(RejectedExecutionException.class);
        verify(task, never()).run();
    }

    @Test
    void anAdmittedCallIsForwardedWhileThePoolTakesItsTasks() {
        var listener = guard.interceptCall(call, headers, next);

        listener.onMessage("m");
        listener.onHalfClose();
        listener.onReady();

        verify(handler).onMessage("m");
        verify(handler).onHalfClose();
        verify(handler).onReady();
        verify(call, never()).close(any(), any());
        assertThat(shed()).isZero();
    }

    @Test
    void anAdmittedCallWhoseNextTaskIsRefusedIsClosedOnceAndHearsOnlyItsEnd() {
        var listener = guard.interceptCall(call, headers, next);
        var refused = HandlerQueueGuard.executor(full);

        refused.execute(() -> listener.onMessage("m"));
        refused.execute(listener::onHalfClose);
        refused.execute(listener::onReady);
        verifyClosedQueueFull(1);
        assertThat(shed()).isEqualTo(1);

        // Closed for good: later events are not delivered even when the pool takes them again.
        listener.onMessage("later");
        listener.onHalfClose();
        listener.onReady();
        verify(handler, never()).onMessage(any());
        verify(handler, never()).onHalfClose();
        verify(handler, never()).onReady();
        listener.onCancel();
        verify(handler).onCancel();
        verifyClosedQueueFull(1);
    }

    @Test
    void aRefusedHalfCloseOrReadinessClosesTheCallToo() {
        var halfClose = guard.interceptCall(call, headers, next);
        HandlerQueueGuard.executor(full).execute(halfClose::onHalfClose);
        verify(handler, never()).onHalfClose();
        verifyClosedQueueFull(1);

        @SuppressWarnings("unchecked")
        ServerCall<String, String> other = mock(ServerCall.class);
        when(next.startCall(other, headers)).thenReturn(handler);
        var ready = guard.interceptCall(other, headers, next);
        HandlerQueueGuard.executor(full).execute(ready::onReady);
        verify(handler, never()).onReady();
        verify(other).close(any(), any());
        assertThat(shed()).isEqualTo(2);
    }
}
