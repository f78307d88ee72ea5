package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.serviceb.ServiceBProperties;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The hedging schedule against an in-process A whose n-th attempt behaves as each test says: the
 * number of attempts A receives, and which outcome the call gets.
 */
class HedgedEchoTest {

    private static final Duration LIMIT = Duration.ofSeconds(1);
    private static final Duration MIN_DELAY = Duration.ofMillis(30);

    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final AtomicInteger attempts = new AtomicInteger();
    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        later.shutdownNow();
    }

    /** Attempt n (from 1) is answered after {@code delays.apply(n)} ms; a negative delay never answers. */
    private void serve(IntFunction<Long> delays) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                long delay = delays.apply(attempts.incrementAndGet());
                if (delay >= 0) {
                    later.schedule(() -> {
                        observer.onNext(EchoReply.newBuilder().setMsg(request.getMsg()).build());
                        observer.onCompleted();
                    }, delay, TimeUnit.MILLISECONDS);
                }
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    private String call(HedgedEcho hedging) {
        return hedging.echo(ServiceAGrpc.newFutureStub(channel), EchoRequest.newBuilder().setMsg("x").build(),
                Deadline.after(LIMIT.toMillis(), TimeUnit.MILLISECONDS)).getMsg();
    }

    private static HedgedEcho hedging() {
        return new HedgedEcho(new ServiceBProperties.Hedging(3, MIN_DELAY, 1.5), LIMIT);
    }

    @Test
    void slowButHealthyRepliesAreNotHedgedOnceTheirLatencyIsKnown() throws Exception {
        serve(n -> 100L); // every attempt answered in 100 ms, as three slow but healthy replicas would
        HedgedEcho hedging = hedging();
        for (int i = 0; i < 30; i++) {
            call(hedging); // the delay starts at half the limit, then follows the answers
        }
        assertThat(hedging.delay()).isBetween(Duration.ofMillis(100), Duration.ofMillis(500));

        attempts.set(0);
        for (int i = 0; i < 40; i++) {
            assertThat(call(hedging)).isEqualTo("x");
        }
        // A gets about one attempt per call (the bound: 1.25; gRPC's fixed 150 ms gave 3).
        assertThat(attempts.get()).isLessThanOrEqualTo(40 * 5 / 4);
    }

    @Test
    void anAttemptLeftUnansweredIsSentAgainAndTheFirstAnswerWins() throws Exception {
        serve(n -> n % 3 == 1 ? -1L : 2L); // every third attempt lands on a replica that froze
        HedgedEcho hedging = hedging();
        for (int i = 0; i < 30; i++) {
            assertThat(call(hedging)).isEqualTo("x"); // hedged at half the limit until the latency is known
        }
        assertThat(hedging.delay()).isEqualTo(MIN_DELAY); // the answers take 2 ms: the floor
        for (int i = 0; i < 30; i++) {
            long start = System.nanoTime();
            assertThat(call(hedging)).isEqualTo("x");
            // answered by the hedge, about the minimum delay after the frozen attempt went out
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(LIMIT.dividedBy(4));
        }
    }

    @Test
    void aGoneReplicaSendsTheNextAttemptAtOnce() throws Exception {
        String name = InProcessServerBuilder.generateName();
        var gone = new AtomicInteger();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                attempts.incrementAndGet();
                if (gone.getAndIncrement() == 0) {
                    observer.onError(Status.UNAVAILABLE.withDescription("replica gone").asRuntimeException());
                } else {
                    observer.onNext(EchoReply.newBuilder().setMsg("second").build());
                    observer.onCompleted();
                }
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();

        long start = System.nanoTime();
        assertThat(call(hedging())).isEqualTo("second");
        // at once, not at the hedging delay (half the limit before any answer is known)
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(400));
        assertThat(attempts.get()).isEqualTo(2);
    }

    @Test
    void anAnswerOfAEndsTheCallAsItIs() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                attempts.incrementAndGet();
                observer.onError(Status.INVALID_ARGUMENT.withDescription("msg too long").asRuntimeException());
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();

        assertThatThrownBy(() -> call(hedging())).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
        assertThat(attempts.get()).isEqualTo(1);
    }

    @Test
    void aCallIsAtMostMaxAttemptsWhenEveryReplicaFreezesOnceTheDelayIsShort() throws Exception {
        var frozen = new AtomicBoolean();
        serve(n -> frozen.get() ? -1L : 2L); // quick answers, then every replica frozen
        HedgedEcho hedging = hedging();
        for (int i = 0; i < 40; i++) {
            call(hedging);
        }
        // A short delay (30 ms, its floor, when idle): the 1 s deadline leaves room for 8 attempts or more.
        await().atMost(Duration.ofSeconds(5)).until(hedging::delay, delay -> delay.compareTo(LIMIT.dividedBy(8)) < 0);
        frozen.set(true);
        int before = attempts.get();

        assertThatThrownBy(() -> call(hedging)).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(attempts.get() - before).as("attempts A received for one call").isEqualTo(3);
    }

    @Test
    void aCallIsAtMostMaxAttemptsWhenEveryReplicaIsGone() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                attempts.incrementAndGet();
                observer.onError(Status.UNAVAILABLE.withDescription("replica gone").asRuntimeException());
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).build();

        // Each refusal sends the next attempt at once: only the cap ends the call before its deadline.
        var ended = catchThrowableOfType(StatusRuntimeException.class, () -> call(hedging()));
        assertThat(attempts.get()).as("attempts A received for one call").isEqualTo(3);
        assertThat(ended.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void whenNoAttemptAnswersTheCallEndsAtItsDeadline() throws Exception {
        serve(n -> -1L);
        long start = System.nanoTime();

        assertThatThrownBy(() -> call(hedging())).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(LIMIT.minusMillis(50), LIMIT.plusMillis(500));
        assertThat(attempts.get()).isEqualTo(2); // at 0 and at half the limit; a third would start at the deadline
    }
}
