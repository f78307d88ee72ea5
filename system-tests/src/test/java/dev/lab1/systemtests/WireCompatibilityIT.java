package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Wire compatibility with the original Python peers, each played by a stand-in that knows only the
 * proto and the JSON-in-msg convention: the original consumer against our service-a, and our
 * service-b against the original provider.
 */
class WireCompatibilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MESSAGES = List.of(
            "hello", "", "say \"hi\" \\ back", "two\nlines\ttab", "ünïcödé 日本語 😀", "{\"echo\": \"nested\"}");

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void theOriginalConsumerWorksAgainstOurServiceA() throws Exception {
        var a = processes.serviceA().awaitReady();
        try (var peer = new GrpcPeer(a.grpcPort())) {
            // A's first Echo pays for class loading and JIT; the original's 1 s timeout applies
            // to a running A, so warm it with a generous deadline first.
            assertThat(peer.serviceA(30_000).echo(EchoRequest.newBuilder().setMsg("warm-up").build()).getMsg())
                    .isEqualTo("{\"echo\": \"warm-up\"}");
            // As the original consumer: a plain channel, a 1.0 s timeout, json.loads(reply.msg).
            for (String msg : MESSAGES) {
                String text = peer.serviceA(1000).echo(EchoRequest.newBuilder().setMsg(msg).build()).getMsg();
                JsonNode parsed = JSON.readTree(text);
                assertThat(parsed.size()).as(text).isEqualTo(1);
                assertThat(parsed.get("echo").textValue()).as(text).isEqualTo(msg);
            }
            assertThat(peer.serviceA(1000).healthCheck(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo("ok");
        }
    }

    @Test
    void ourServiceBWorksAgainstTheOriginalProvider() throws Exception {
        try (var provider = new OriginalProvider(ProcessFixture.freePort())) {
            // Warmed up: the rows check what B answers, not how soon; a cold first call may miss the 1 s limit.
            var b = processes.serviceBCalling("static://127.0.0.1:" + provider.port()).awaitReady().warmUp();
            for (String msg : MESSAGES) {
                var answer = b.callEcho(msg);
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                JsonNode body = JSON.readTree(answer.body());
                assertThat(body.get("service_b").textValue()).isEqualTo("ok");
                assertThat(body.at("/service_a/echo").textValue()).isEqualTo(msg);
            }
            b.close(); // before the provider goes: B is not left calling a closed port
        }
    }
}
