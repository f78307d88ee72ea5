package dev.lab1.fakea;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.serviceb.servicea.ServiceAChannel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import net.devh.boot.grpc.server.service.GrpcService;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * A stand-in for service-a, whose behaviour each test chooses: a bean of the test's context, served by
 * its gRPC server ({@link FakeAOnALoopbackPort}), or added to a server of the test's own. Kept outside
 * B's scanned packages and {@code @Import}ed, so it is registered once.
 */
@GrpcService
public class FakeServiceA extends ServiceAGrpc.ServiceAImplBase {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger cancelled = new AtomicInteger();
    private volatile BiConsumer<EchoRequest, StreamObserver<EchoReply>> behaviour;

    public FakeServiceA() {
        reset();
    }

    /**
     * B's warm-up, played once the fake is up: B's own warm-up runs before the context's gRPC server
     * starts, so without this the first test of a class would meet a cold call path (at the tests'
     * 300 ms limit, on a busy machine, a cold first call times out). B's channel tried to connect when
     * it was made, before the server listened, and was refused: it is asked to connect again now
     * rather than at the end of its backoff.
     */
    @EventListener(ApplicationReadyEvent.class)
    void warmUpB(ApplicationReadyEvent ready) {
        ServiceAChannel channel = ready.getApplicationContext().getBean(ServiceAChannel.class);
        channel.reconnectNow();
        var stub = ServiceAGrpc.newBlockingStub(channel.channel());
        for (int i = 0; i < 100; i++) {
            stub.withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS).echo(EchoRequest.newBuilder().setMsg("warm-up").build());
        }
        reset();
    }

    /** Answers as the original provider did: {"echo": "<msg>"}. */
    public void reset() {
        calls.set(0);
        cancelled.set(0);
        replyWithText(null);
    }

    /** Replies with this exact text in EchoReply.msg (null: the original's JSON). */
    public void replyWithText(String text) {
        behaviour = (request, observer) -> {
            String msg = text != null ? text : "{\"echo\": " + JSON.valueToTree(request.getMsg()) + "}";
            observer.onNext(EchoReply.newBuilder().setMsg(msg).build());
            observer.onCompleted();
        };
    }

    public void failWith(Status status) {
        behaviour = (request, observer) -> observer.onError(status.asRuntimeException());
    }

    /** Never answers; counts the calls whose caller gave up (deadline or cancel). */
    public void hang() {
        behaviour = (request, observer) -> Context.current().addListener(
                context -> cancelled.incrementAndGet(), Runnable::run);
    }

    /** Holds every call until the latch opens, then answers normally. */
    public void holdUntil(CountDownLatch release) {
        replyWithText(null);
        var answer = behaviour;
        behaviour = (request, observer) -> new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer.accept(request, observer);
        }).start();
    }

    public int calls() {
        return calls.get();
    }

    public int cancelledCalls() {
        return cancelled.get();
    }

    @Override
    public void echo(EchoRequest request, StreamObserver<EchoReply> responseObserver) {
        calls.incrementAndGet();
        behaviour.accept(request, responseObserver);
    }
}
