package dev.lab1.servicea.echo;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckReply;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import net.devh.boot.grpc.server.service.GrpcService;

/** {@code serviceA.ServiceA}: the original's two procedures. */
@GrpcService
class EchoService extends ServiceAGrpc.ServiceAImplBase {

    private static final HealthCheckReply OK = HealthCheckReply.newBuilder().setStatus("ok").build();

    private final long delayNanos;
    private final int maxMessageLength;
    private final ScheduledExecutorService delayedReplies;

    EchoService(EchoProperties properties, ScheduledExecutorService delayedReplies) {
        this.delayNanos = properties.delay().toNanos();
        this.maxMessageLength = properties.maxMessageLength();
        this.delayedReplies = delayedReplies;
    }

    @Override
    public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
        String msg = request.getMsg();
        // length() counts UTF-16 units, never fewer than code points: the exact count only when close.
        if (msg.length() > maxMessageLength && msg.codePointCount(0, msg.length()) > maxMessageLength) {
            responseObserver.onError(Status.INVALID_ARGUMENT
                    .withDescription("msg is longer than " + maxMessageLength + " characters").asRuntimeException());
            return;
        }
        EchoReply reply = EchoReply.newBuilder().setMsg(EchoJson.of(msg)).build();
        if (delayNanos == 0) {
            answer(responseObserver, reply);
            return;
        }
        // A slow A must not hold a thread per waiting call: the reply is scheduled, and the
        // schedule is dropped as soon as the caller cancels or its deadline passes.
        var call = (ServerCallStreamObserver<EchoReply>) responseObserver;
        ScheduledFuture<?> pending = delayedReplies.schedule(() -> {
            if (!call.isCancelled()) {
                answer(call, reply);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
        call.setOnCancelHandler(() -> pending.cancel(false));
    }

    @Override
    public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> responseObserver) {
        answer(responseObserver, OK);
    }

    private static <T> void answer(StreamObserver<T> observer, T reply) {
        observer.onNext(reply);
        observer.onCompleted();
    }
}
