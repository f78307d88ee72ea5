package dev.lab1.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.reflection.v1alpha.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;

/** service-a on a real, free port, spoken to as the original Python consumer would: only the proto. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "grpc.server.port=0")
@Import(GrpcPort.class)
@ExtendWith(OutputCaptureExtension.class)
class ServiceAServerTest {

    @Autowired
    GrpcPort grpcPort;

    GrpcPeer client;

    @BeforeEach
    void connect() {
        client = new GrpcPeer(grpcPort.get());
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        client.close();
    }

    @Test
    void echoAnswersTheOriginalsJsonText(CapturedOutput output) {
        var reply = ServiceAGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .echo(EchoRequest.newBuilder().setMsg("hello").build());

        assertThat(reply.getMsg()).isEqualTo("{\"echo\": \"hello\"}");
        // The line is written when the call completes on the server, just after the client has its reply.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(output).containsPattern("service=A procedure=Echo status=ok latency_ms=\\d+"));
    }

    @Test
    void healthCheckAnswersOk() {
        var reply = ServiceAGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .healthCheck(HealthCheckRequest.getDefaultInstance());

        assertThat(reply.getStatus()).isEqualTo("ok");
    }

    @Test
    void standardHealthServiceServes() {
        var health = HealthGrpc.newBlockingStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS);

        assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
        assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.newBuilder()
                .setService("serviceA.ServiceA").build()).getStatus())
                .isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void reflectionListsTheContract() throws Exception {
        var services = new CompletableFuture<List<String>>();
        var requests = ServerReflectionGrpc.newStub(client.channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        services.complete(response.getListServicesResponse().getServiceList().stream()
                                .map(ServiceResponse::getName).toList());
                    }

                    @Override
                    public void onError(Throwable t) {
                        services.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();

        assertThat(services.get(5, TimeUnit.SECONDS)).contains("serviceA.ServiceA", "grpc.health.v1.Health");
    }
}
