package dev.lab1.servicea.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.inOrder;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** Echo's message limit (in characters, not UTF-16 units) and its delay (scheduled, dropped on cancel), without a server. */
class EchoServiceUnitTest {

    private final ScheduledExecutorService scheduler = mock(ScheduledExecutorService.class);

    private static EchoRequest request(String msg) {
        return EchoRequest.newBuilder().setMsg(msg).build();
    }

    @SuppressWarnings("unchecked")
    private static StreamObserver<EchoReply> observer() {
        return mock(StreamObserver.class);
    }

    @Test
    void aMessageOfTheLimitIsEchoedAtOnceAndOneCharacterMoreIsRefused() {
        var echo = new EchoService(new EchoProperties(Duration.ZERO, 5), scheduler);

        var atTheLimit = observer();
        echo.echo(request("12345"), atTheLimit);
        var order = inOrder(atTheLimit);
        order.verify(atTheLimit).onNext(EchoReply.newBuilder().setMsg("{\"echo\": \"12345\"}").build());
        order.verify(atTheLimit).onCompleted();

        var over = observer();
        echo.echo(request("123456"), over);
        verify(over).onError(argThat(e -> e instanceof StatusRuntimeException s
                && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT
                && "msg is longer than 5 characters".equals(s.getStatus().getDescription())));
        verify(over, never()).onNext(any());
        verifyNoInteractions(scheduler);
    }

    @Test
    void theLimitCountsCharactersNotUtf16Units() {
        var echo = new EchoService(new EchoProperties(Duration.ZERO, 5), scheduler);

        var fiveEmoji = observer(); // 10 UTF-16 units, 5 characters
        echo.echo(request("😀".repeat(5)), fiveEmoji);
        verify(fiveEmoji).onCompleted();
        verify(fiveEmoji, never()).onError(any());

        var sixEmoji = observer();
        echo.echo(request("😀".repeat(6)), sixEmoji);
        verify(sixEmoji).onError(any());
    }

    @Test
    void aDelayedReplyIsScheduledAnsweredUnlessCancelledAndDroppedOnCancel() {
        var echo = new EchoService(new EchoProperties(Duration.ofMillis(1500), 1024), scheduler);
        ScheduledFuture<?> pending = mock(ScheduledFuture.class);
        doReturn(pending).when(scheduler).schedule(any(Runnable.class), eq(Duration.ofMillis(1500).toNanos()), eq(TimeUnit.NANOSECONDS));
        @SuppressWarnings("unchecked")
        ServerCallStreamObserver<EchoReply> call = mock(ServerCallStreamObserver.class);

        echo.echo(request("late"), call);

        // Nothing answered before the delay, and no thread held: the reply is scheduled.
        verify(call, never()).onNext(any());
        var reply = ArgumentCaptor.forClass(Runnable.class);
        verify(scheduler).schedule(reply.capture(), eq(Duration.ofMillis(1500).toNanos()), eq(TimeUnit.NANOSECONDS));
        var onCancel = ArgumentCaptor.forClass(Runnable.class);
        verify(call).setOnCancelHandler(onCancel.capture());

        onCancel.getValue().run();
        verify(pending).cancel(false);

        when(call.isCancelled()).thenReturn(true);
        reply.getValue().run();
        verify(call, never()).onNext(any());

        when(call.isCancelled()).thenReturn(false);
        reply.getValue().run();
        verify(call).onNext(EchoReply.newBuilder().setMsg("{\"echo\": \"late\"}").build());
        verify(call).onCompleted();
    }

    @Test
    void healthCheckAnswersOk() {
        var echo = new EchoService(new EchoProperties(Duration.ofSeconds(3), 1024), scheduler);
        @SuppressWarnings("unchecked")
        StreamObserver<dev.lab1.proto.HealthCheckReply> observer = mock(StreamObserver.class);

        echo.healthCheck(dev.lab1.proto.HealthCheckRequest.getDefaultInstance(), observer);

        verify(observer).onNext(argThat(r -> r.getStatus().equals("ok")));
        verify(observer).onCompleted();
        verifyNoInteractions(scheduler);
    }
}
