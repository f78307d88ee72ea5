package dev.lab1.servicea.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.ActiveProfiles;

/** A started with a delay: answers late, and lets go as soon as the caller gives up. */
@SpringBootTest(properties = {
        "service-a.echo.delay=2s",
        "grpc.server.in-process-name=slow-a"})
@ActiveProfiles("in-process")
@ExtendWith(OutputCaptureExtension.class)
class SlowEchoTest {

    @Autowired
    ScheduledThreadPoolExecutor delayedReplies;

    final ManagedChannel channel = InProcessChannelBuilder.forName("slow-a").build();

    @AfterEach
    void close() {
        channel.shutdownNow();
    }

    @Test
    void answersAfterTheDelay() {
        long start = System.nanoTime();

        var reply = ServiceAGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .echo(EchoRequest.newBuilder().setMsg("late").build());

        assertThat(reply.getMsg()).isEqualTo("{\"echo\": \"late\"}");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aCallerDeadlineEndsTheWaitAndIsLoggedAsCancelled(CapturedOutput output) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> ServiceAGrpc.newBlockingStub(channel)
                .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .echo(EchoRequest.newBuilder().setMsg("gone").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

        // Before the 2 s delay is over, the pending reply is gone (so no ok can ever be sent for
        // it) and the call is logged as cancelled. (No check on the absence of an ok line: the
        // line of another test's call, logged just after its reply, could land in this capture.)
        // Counted from the call's start: without the cancel handler the reply stays scheduled
        // until 2 s after it, so the bound must end before that. 1.5 s is 1.3 s after the 200 ms
        // deadline for an in-process cancellation (microseconds when idle), and 0.5 s before the
        // reply would have left the queue by itself.
        Duration left = Duration.ofMillis(1500).minusNanos(System.nanoTime() - start);
        assertThat(left).as("time left before the 1.5 s mark").isPositive();
        await().atMost(left).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
            assertThat(delayedReplies.getQueue()).isEmpty();
            assertThat(output).contains("service=A procedure=Echo status=cancelled");
        });
    }
}
