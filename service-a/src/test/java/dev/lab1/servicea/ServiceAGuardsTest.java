package dev.lab1.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.google.common.util.concurrent.ListenableFuture;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;

/**
 * A's guards on a real port: the inbound message limit, Echo's length check, and the bound on the
 * calls A holds (a small one here, with a delay, so that it is reached with a few calls).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "grpc.server.port=0",
        "service-a.echo.delay=3s",
        "service-a.grpc.max-calls-in-flight=4",
        "service-a.grpc.request-timeout=1s"})
@Import(GrpcPort.class)
class ServiceAGuardsTest {

    /**
     * Echo as a stranger's client sees it: grpc-java holds back a unary call's headers until its
     * request is sent, so the stranger's streams are declared streaming, whose headers go at once
     * (A serves the method as the unary Echo whatever the client thinks).
     */
    private static final MethodDescriptor<EchoRequest, EchoReply> STRANGERS_ECHO =
            ServiceAGrpc.getEchoMethod().toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build();

    @Autowired
    GrpcPort grpcPort;
    @Autowired
    MeterRegistry meters;

    GrpcPeer client;

    @BeforeEach
    void connect() {
        client = new GrpcPeer(grpcPort.get());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight() == 0);
    }

    @Test
    void aMessageLargerThanTheInboundLimitIsRefusedBeforeItIsRead() {
        assertThatThrownBy(() -> echo("x".repeat(4 * 1024 * 1024), Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    @Test
    void aMessageLongerThanTheLimitIsAnInvalidArgument() {
        // 1025 characters in 4 bytes each: under the 8 KB message limit, over Echo's 1024 characters.
        assertThatThrownBy(() -> echo("😀".repeat(1025), Duration.ofSeconds(10)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("msg is longer than 1024 characters");
                });
    }

    @Test
    void theLongestMessageBCanSendIsEchoed() {
        // Past the 3 s delay: a real answer, the longest B sends (1024 characters of 4-byte UTF-8).
        EchoReply reply = echo("😀".repeat(1024), Duration.ofSeconds(10));

        assertThat(reply.getMsg()).startsWith("{\"echo\": \"😀");
    }

    @Test
    void pastTheCallLimitACallIsRefusedAtOnceAndHealthStillAnswers() {
        var stub = ServiceAGrpc.newFutureStub(client.channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        List<ListenableFuture<EchoReply>> held = IntStream.range(0, 4)
                .mapToObj(i -> stub.echo(EchoRequest.newBuilder().setMsg("held").build())).toList();
        await().atMost(Duration.ofSeconds(5)).until(() -> inFlight() == 4);

        // Eleven calls past the limit, each timed on A's own clock.
        List<Duration> refusals = IntStream.range(0, 11).mapToObj(i -> GrpcServerTimes.timeOf(meters, "Echo",
                Status.Code.RESOURCE_EXHAUSTED, () -> assertThatThrownBy(() -> echo("one too many", Duration.ofSeconds(10)))
                        .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED)))).toList();
        // At once: the median well under the shortest wait a refusal could make (a permit would come
        // with the end of a held call's 3 s delay; the request, within the 1 s request timeout), none
        // as long as that wait.
        GrpcServerTimes.assertAtOnce(refusals, Duration.ofMillis(50), Duration.ofSeconds(1));
        assertThat(ServiceAGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .healthCheck(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo("ok");
        assertThat(meters.get("grpc.calls.refused").counter().count()).isGreaterThanOrEqualTo(11);

        // The held calls' callers give up: their places are free again at once.
        held.forEach(call -> call.cancel(true));
        await().atMost(Duration.ofSeconds(2)).until(() -> inFlight() == 0);
    }

    @Test
    void streamsOpenedAndNeverFinishedHoldNoCallPermitAndAreClosedAtTheRequestTimeout() throws Exception {
        // A stranger's streams: Echo started, its request never sent (no message, no half-close).
        List<CompletableFuture<Status>> strangers = IntStream.range(0, 12).mapToObj(i -> openAndNeverFinish()).toList();

        // Three times the call limit of unfinished streams, and a real call is still answered.
        EchoReply reply = echo("still served", Duration.ofSeconds(10));
        assertThat(reply.getMsg()).contains("still served");
        // At most the call just answered, whose permit A may release a moment after its reply
        // arrives here (seen once in CI: 1); strangers holding permits would make it the limit, 4.
        assertThat(inFlight()).isLessThanOrEqualTo(1);

        // Each stranger is closed once the request timeout (1 s here) has passed.
        long start = System.nanoTime();
        for (var stranger : strangers) {
            assertThat(stranger.get(5, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(meters.get("grpc.requests.timed.out").counter().count()).isGreaterThanOrEqualTo(12);
    }

    /** Starts an Echo call and never sends its request; the future completes with the status A closes it with. */
    private CompletableFuture<Status> openAndNeverFinish() {
        ClientCall<EchoRequest, EchoReply> call = client.channel.newCall(STRANGERS_ECHO, CallOptions.DEFAULT);
        var closed = new CompletableFuture<Status>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onClose(Status status, Metadata trailers) {
                closed.complete(status);
            }
        }, new Metadata());
        call.request(1);
        return closed;
    }

    private EchoReply echo(String msg, Duration deadline) {
        return ServiceAGrpc.newBlockingStub(client.channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .echo(EchoRequest.newBuilder().setMsg(msg).build());
    }

    private double inFlight() {
        return meters.get("grpc.calls.in.flight").gauge().value();
    }
}
