package dev.lab1.servicea.calllog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckReply;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.micrometer.tracing.CurrentTraceContext;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A's call log, on captured logback events: one line per call of {@code serviceA.ServiceA}, ok,
 * error (with the code) or cancelled; none for infrastructure services.
 */
class CallLogInterceptorTest {

    private final Tracer tracer = mock(Tracer.class);
    /** No trace unless a test sets one. */
    private final CurrentTraceContext currentTrace = mock(CurrentTraceContext.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(CallLogInterceptor.class);
    private final Server server;
    private final ManagedChannel channel;

    CallLogInterceptorTest() throws Exception {
        logged.start();
        logger.addAppender(logged);
        when(tracer.currentTraceContext()).thenReturn(currentTrace);
        var interceptor = new CallLogInterceptor(tracer);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(new ScriptedServiceA(), interceptor))
                .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), interceptor))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void close() throws InterruptedException {
        logger.detachAppender(logged);
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aSuccessfulCallIsLoggedOk() {
        stub(5000).echo(EchoRequest.newBuilder().setMsg("hello").build());

        assertThat(awaitLines(1)).singleElement().asString().matches("service=A procedure=Echo status=ok latency_ms=\\d+");
    }

    @Test
    void theTraceOfTheCallEndsItsLine() {
        TraceContext trace = mock(TraceContext.class);
        when(trace.traceId()).thenReturn("4bf92f3577b34da6a3ce929d0e0e4736");
        when(trace.spanId()).thenReturn("00f067aa0ba902b7");
        when(currentTrace.context()).thenReturn(trace);

        stub(5000).echo(EchoRequest.newBuilder().setMsg("hello").build());

        assertThat(awaitLines(1)).singleElement().asString().matches(
                "service=A procedure=Echo status=ok latency_ms=\\d+ trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7");
    }

    @Test
    void aFailedCallIsLoggedAsAnErrorWithItsCode() {
        assertThatThrownBy(() -> stub(5000).echo(EchoRequest.newBuilder().setMsg("fail").build()))
                .isInstanceOf(StatusRuntimeException.class);

        assertThat(awaitLines(1)).singleElement().asString()
                .matches("service=A procedure=Echo status=error code=INVALID_ARGUMENT latency_ms=\\d+");
    }

    @Test
    void aCallTheCallerAbandonedIsLoggedCancelledNeverOk() {
        assertThatThrownBy(() -> stub(100).echo(EchoRequest.newBuilder().setMsg("hang").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

        assertThat(awaitLines(1)).singleElement().asString().matches("service=A procedure=Echo status=cancelled latency_ms=\\d+");
    }

    @Test
    void infrastructureCallsAreNotLogged() {
        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
        // A call that is logged, after the health check: once its line is there, the check's would be too.
        stub(5000).healthCheck(HealthCheckRequest.getDefaultInstance());

        assertThat(awaitLines(1)).singleElement().asString().startsWith("service=A procedure=HealthCheck status=ok");
    }

    private ServiceAGrpc.ServiceABlockingStub stub(long deadlineMillis) {
        return ServiceAGrpc.newBlockingStub(channel).withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    /** The lines logged so far, once there are at least {@code count} (a line follows the reply). */
    private List<String> awaitLines(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> logged.list.size() >= count);
        return logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Echo answers, fails with INVALID_ARGUMENT for "fail", never answers "hang". */
    private static final class ScriptedServiceA extends ServiceAGrpc.ServiceAImplBase {
        @Override
        public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
            switch (request.getMsg()) {
                case "fail" -> observer.onError(Status.INVALID_ARGUMENT.withDescription("scripted").asRuntimeException());
                case "hang" -> { }
                default -> {
                    observer.onNext(EchoReply.newBuilder().setMsg(request.getMsg()).build());
                    observer.onCompleted();
                }
            }
        }

        @Override
        public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> observer) {
            observer.onNext(HealthCheckReply.newBuilder().setStatus("ok").build());
            observer.onCompleted();
        }
    }
}
