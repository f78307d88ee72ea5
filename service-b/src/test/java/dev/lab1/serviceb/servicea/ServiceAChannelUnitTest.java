package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.lab1.fakea.FreePorts;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.junit.jupiter.api.Test;

/** B's channel without an A: the service config as grpc-java takes it, and a channel that is shut down for good. */
class ServiceAChannelUnitTest {

    @Test
    void everyNumberOfTheServiceConfigIsADoubleAtAnyDepthAndTheRestIsKept() {
        Map<String, Object> config = ServiceAChannel.serviceConfig(
                "{\"n\": 1, \"list\": [2, {\"deep\": 3}, [4]], \"text\": \"x\", \"flag\": true, \"none\": null}");

        var deep = new LinkedHashMap<String, Object>();
        deep.put("deep", 3.0);
        assertThat(config).containsEntry("n", 1.0)
                .containsEntry("list", List.of(2.0, deep, List.of(4.0)))
                .containsEntry("text", "x")
                .containsEntry("flag", true)
                .containsEntry("none", null);
        // Mutable: the channel adds its health check config to it.
        config.put("healthCheckConfig", Map.of("serviceName", ""));
    }

    @Test
    void afterDestroyNoCallLeaves() throws InterruptedException {
        var channel = new ServiceAChannel(ServiceAChannelTest.properties("static://127.0.0.1:" + FreePorts.next()),
                Tracer.NOOP, Propagator.NOOP);

        channel.destroy();

        assertThatThrownBy(() -> ServiceAGrpc.newBlockingStub(channel.channel()).withDeadlineAfter(5, TimeUnit.SECONDS)
                .echo(EchoRequest.newBuilder().setMsg("x").build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e ->
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(channel.isConnected()).isFalse();
        assertThat(channel.isUnreachable()).isFalse(); // SHUTDOWN, not a failed attempt
        assertThat(channel.awaitConnected(Duration.ofMillis(50))).isFalse();
    }
}
