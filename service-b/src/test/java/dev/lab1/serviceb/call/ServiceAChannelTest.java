package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.grpc.LoadBalancerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.FileSystemResource;

/** The service config B ships is one grpc-java accepts, with every policy it names available. */
class ServiceAChannelTest {

    /** application.yml's {@code service-a.*}, with another address. */
    static ServiceAChannelProperties properties(String address) {
        try {
            var yaml = new YamlPropertySourceLoader().load("b", new FileSystemResource(Path.of("src/main/resources/application.yml"))).get(0);
            return new ServiceAChannelProperties(address,
                    ServiceAChannelProperties.NegotiationType.PLAINTEXT,
                    DurationStyle.detectAndParse(yaml.getProperty("service-a.keep-alive-time").toString()),
                    DurationStyle.detectAndParse(yaml.getProperty("service-a.keep-alive-timeout").toString()),
                    DurationStyle.detectAndParse(yaml.getProperty("service-a.reconnect-interval").toString()),
                    yaml.getProperty("service-a.service-config").toString(),
                    new ServiceAChannelProperties.Hedging(
                            Integer.parseInt(yaml.getProperty("service-a.hedging.max-attempts").toString()),
                            DurationStyle.detectAndParse(yaml.getProperty("service-a.hedging.min-delay").toString()),
                            Double.parseDouble(yaml.getProperty("service-a.hedging.delay-factor").toString())),
                    DurationStyle.detectAndParse(yaml.getProperty("service-a.connect-wait").toString()),
                    new ServiceAChannelProperties.WarmUp(
                            Integer.parseInt(yaml.getProperty("service-a.warm-up.calls").toString()),
                            DurationStyle.detectAndParse(yaml.getProperty("service-a.warm-up.max-duration").toString())));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theShippedServiceConfigParsesWithEveryPolicyAvailable() {
        Map<String, ?> config = ServiceAChannel.serviceConfig(properties("unused").serviceConfig());

        @SuppressWarnings("unchecked")
        var balancing = (List<Map<String, Map<String, ?>>>) config.get("loadBalancingConfig");
        String policy = balancing.get(0).keySet().iterator().next();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider(policy)).as(policy).isNotNull();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin")).isNotNull();
        // grpc-java wants JSON numbers as doubles: an Integer would fail the config at the first call.
        @SuppressWarnings("unchecked")
        var outliers = (Map<String, Object>) balancing.get(0).get(policy);
        assertThat(outliers.get("maxEjectionPercent")).isInstanceOf(Double.class);
    }

    @Test
    void hedgingOnlyWhereThereCanBeAnotherReplica() {
        assertThat(ServiceAChannel.canNameSeveralReplicas("static://localhost:8080")).isFalse();
        assertThat(ServiceAChannel.canNameSeveralReplicas("in-process:fake-a")).isFalse();
        assertThat(ServiceAChannel.canNameSeveralReplicas("static://h1:8080,h2:8080")).isTrue();
        assertThat(ServiceAChannel.canNameSeveralReplicas("dns:///service-a:8080")).isTrue();
    }

    @Test
    void anInvalidServiceConfigStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ServiceAChannel.serviceConfig("{\"loadBalancingConfig\": [")).hasMessageContaining("service-a.service-config");
    }
}
