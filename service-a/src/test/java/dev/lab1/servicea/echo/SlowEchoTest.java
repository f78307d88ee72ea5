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
        assertThatThrownBy(() -> ServiceAGrpc.newBlockingStub(channel)
                .withDeadlineAfter(200, TimeUnit.MILLISECONDS)
                .echo(EchoRequest.newBuilder().setMsg("gone").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

        // Before the 2 s delay is over, the pending reply is gone (so no ok can ever be sent for
        // it) and the call is logged as cancelled. (No check on the absence of an ok line: the
        // line of another test's call, logged just after its reply, could land in this capture.)
        await().atMost(Duration.ofMillis(1900)).untilAsserted(() -> {
            assertThat(delayedReplies.getQueue()).isEmpty();
            assertThat(output).contains("service=A procedure=Echo status=cancelled");
        });
    }
}
