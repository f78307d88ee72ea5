package dev.lab1.systemtests;

import static dev.lab1.systemtests.ServiceProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;

/**
 * Wire compatibility with the original Python peers, each played by a stand-in that knows only the
 * proto and the JSON-in-msg convention: the original consumer against our service-a, and our
 * service-b against the original provider.
 */
class WireCompatibilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MESSAGES = List.of(
            "hello", "", "say \"hi\" \\ back", "two\nlines\ttab", "ünïcödé 日本語 😀", "{\"echo\": \"nested\"}");

    @Test
    void theOriginalConsumerWorksAgainstOurServiceA() throws Exception {
        int grpcPort = freePort();
        try (var a = ServiceProcess.serviceA(grpcPort, freePort()).awaitReady()) {
            // As the original consumer: a plain channel, a 1.0 s timeout, json.loads(reply.msg).
            ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", grpcPort,
                    InsecureChannelCredentials.create()).build();
            try {
                var stub = ServiceAGrpc.newBlockingStub(channel);
                assertThat(stub.withDeadlineAfter(1, TimeUnit.SECONDS).echo(EchoRequest.newBuilder().setMsg("hello").build())
                        .getMsg()).isEqualTo("{\"echo\": \"hello\"}");
                for (String msg : MESSAGES) {
                    String text = stub.withDeadlineAfter(1, TimeUnit.SECONDS)
                            .echo(EchoRequest.newBuilder().setMsg(msg).build()).getMsg();
                    JsonNode parsed = JSON.readTree(text);
                    assertThat(parsed.size()).as(text).isEqualTo(1);
                    assertThat(parsed.get("echo").textValue()).as(text).isEqualTo(msg);
                }
                assertThat(stub.withDeadlineAfter(1, TimeUnit.SECONDS)
                        .healthCheck(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo("ok");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void ourServiceBWorksAgainstTheOriginalProvider() throws Exception {
        int providerPort = freePort();
        int bPort = freePort();
        try (var provider = new OriginalProvider(providerPort);
             var b = ServiceProcess.serviceB(bPort, providerPort).awaitReady()) {
            for (String msg : MESSAGES) {
                var answer = Http.get("http://127.0.0.1:" + bPort + "/call-echo?msg="
                        + URLEncoder.encode(msg, StandardCharsets.UTF_8));
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(answer.body());
                assertThat(body.get("service_b").textValue()).isEqualTo("ok");
                assertThat(body.at("/service_a/echo").textValue()).isEqualTo(msg);
            }
        }
    }
}
