package dev.lab1.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * A's handler queue full (its one handler thread blocked, its one queue slot taken): a call gets
 * RESOURCE_EXHAUSTED at once, on a real Netty port, and no handler runs on a network thread; once
 * the handler thread is free again, calls are answered normally.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = {
        "grpc.server.port=0",
        "service-a.grpc.handler-threads=1",
        "service-a.grpc.handler-queue-capacity=1"})
@Import(GrpcPort.class)
class HandlerQueueFullTest {

    @Autowired
    GrpcPort grpcPort;
    @Autowired
    @Qualifier("grpcHandlers")
    ExecutorService handlers;
    @Autowired
    MeterRegistry meters;

    final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void unblock() {
        release.countDown();
    }

    @Test
    void aFullHandlerQueueAnswersResourceExhaustedWithoutRunningTheHandlerOnANetworkThread() throws Exception {
        try (var client = new GrpcPeer(grpcPort.get())) {
            assertThat(echo(client, "before")).contains("before");
            // The pool idle first: the tasks that finish a call (and the warm-up's) can still be queued
            // a moment after its answer, and the one queue slot must be this test's.
            var pool = (ThreadPoolExecutor) handlers;
            await().atMost(Duration.ofSeconds(5)).until(() -> pool.getQueue().isEmpty() && pool.getActiveCount() == 0);
            // A handler blocked (as on a log write that never returns) and one task waiting behind it.
            var running = new CountDownLatch(1);
            handlers.execute(() -> {
                running.countDown();
                awaitRelease();
            });
            assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
            handlers.execute(this::awaitRelease);

            long start = System.nanoTime();
            assertThatThrownBy(() -> echo(client, "while full"))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(meters.counter("grpc.calls.shed").count()).isPositive();

            release.countDown();
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(echo(client, "after")).contains("after"));
        }
    }

    private static String echo(GrpcPeer client, String msg) {
        return ServiceAGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .echo(EchoRequest.newBuilder().setMsg(msg).build()).getMsg();
    }

    private void awaitRelease() {
        try {
            release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
