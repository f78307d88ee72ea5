package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.lab1.serviceb.ServiceBProperties;
import io.grpc.LoadBalancerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.io.FileSystemResource;

/** The service config B ships is one grpc-java accepts, with every policy it names available. */
class ServiceAChannelTest {

    /** application.yml's {@code service-b.service-a.*}, bound as B binds it, with another address. */
    static ServiceBProperties.ServiceA properties(String address) {
        return properties(address, shipped().idleTimeout());
    }

    /** The same, with another idle timeout too. */
    static ServiceBProperties.ServiceA properties(String address, Duration idleTimeout) {
        ServiceBProperties.ServiceA shipped = shipped();
        return new ServiceBProperties.ServiceA(address, shipped.tls(), shipped.keepAliveTime(),
                shipped.keepAliveTimeout(), idleTimeout, shipped.reconnectInterval(), shipped.serviceConfig(), shipped.connectWait(),
                shipped.hedging(), shipped.warmUp(), shipped.health(), shipped.breaker());
    }

    private static ServiceBProperties.ServiceA shipped() {
        try {
            var yaml = new YamlPropertySourceLoader().load("b", new FileSystemResource(Path.of("src/main/resources/application.yml")));
            return new Binder(ConfigurationPropertySources.from(yaml)).bind("service-b", ServiceBProperties.class).get().serviceA();
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
        assertThat(ServiceAChannel.canNameSeveralReplicas("static://h1:8080,h2:8080")).isTrue();
        assertThat(ServiceAChannel.canNameSeveralReplicas("dns:///service-a:8080")).isTrue();
    }

    @Test
    void anInvalidServiceConfigStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ServiceAChannel.serviceConfig("{\"loadBalancingConfig\": [")).hasMessageContaining("service-b.service-a.service-config");
    }
}
