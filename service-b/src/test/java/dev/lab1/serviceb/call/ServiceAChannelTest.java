package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.grpc.LoadBalancerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.FileSystemResource;

/** The service config B ships is one grpc-java accepts, with every policy it names available. */
class ServiceAChannelTest {

    @Test
    void theShippedServiceConfigParsesWithEveryPolicyAvailable() throws Exception {
        var yaml = new YamlPropertySourceLoader().load("b", new FileSystemResource(Path.of("src/main/resources/application.yml")));
        String json = (String) yaml.get(0).getProperty("service-a.service-config");

        Map<String, ?> config = ServiceAChannel.serviceConfig(json);

        @SuppressWarnings("unchecked")
        var balancing = (List<Map<String, Map<String, ?>>>) config.get("loadBalancingConfig");
        String policy = balancing.get(0).keySet().iterator().next();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider(policy)).as(policy).isNotNull();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin")).isNotNull();
        // grpc-java wants JSON numbers as doubles: an Integer would fail the config at the first call.
        @SuppressWarnings("unchecked")
        var hedging = (Map<String, Object>) ((List<Map<String, Object>>) config.get("methodConfig")).get(0).get("hedgingPolicy");
        assertThat(hedging.get("maxAttempts")).isInstanceOf(Double.class);
    }

    @Test
    void anInvalidServiceConfigStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ServiceAChannel.serviceConfig("{\"loadBalancingConfig\": [")).hasMessageContaining("service-a.service-config");
    }
}
