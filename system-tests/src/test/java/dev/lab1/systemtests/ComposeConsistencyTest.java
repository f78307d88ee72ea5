package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and prometheus.yml agree with the services' own application.yml: the
 * ports, the address B calls A at, the health and metrics paths, and that every environment
 * variable compose sets is one the service reads. (No Docker engine runs in CI: this, and
 * {@code docker-compose config} in .ci/run, keep the file honest.)
 */
class ComposeConsistencyTest {

    private final Map<String, Object> compose = RepoFiles.yaml("docker-compose.yml");
    private final Map<String, Object> a = RepoFiles.flatten(RepoFiles.yaml("service-a/src/main/resources/application.yml"));
    private final Map<String, Object> b = RepoFiles.flatten(RepoFiles.yaml("service-b/src/main/resources/application.yml"));
    private final String prometheus = RepoFiles.text("observability/prometheus/prometheus.yml");

    @Test
    void serviceAsPortsMatchItsConfiguration() {
        String grpcPort = a.get("grpc.server.port").toString();
        String httpPort = a.get("server.port").toString();
        Map<String, Object> service = service("service-a");

        assertThat(environment(service)).containsEntry("GRPC_SERVER_PORT", grpcPort).containsEntry("SERVER_PORT", httpPort);
        assertThat(ports(service)).contains(grpcPort + ":" + grpcPort, httpPort + ":" + httpPort);
        assertThat(healthcheckUrl(service)).startsWith("http://localhost:" + httpPort + "/actuator/health");
        assertThat(prometheus).contains("service-a:" + httpPort);
    }

    @Test
    void serviceBsPortsAndItsAddressOfAMatchTheConfiguration() {
        String httpPort = b.get("server.port").toString();
        Map<String, Object> service = service("service-b");

        assertThat(environment(service)).containsEntry("SERVER_PORT", httpPort)
                .containsEntry("SERVICE_A_ADDRESS", "static://service-a:" + a.get("grpc.server.port"));
        assertThat(ports(service)).contains(httpPort + ":" + httpPort);
        assertThat(healthcheckUrl(service)).startsWith("http://localhost:" + httpPort + "/actuator/health");
        assertThat(prometheus).contains("service-b:" + httpPort);
    }

    @Test
    void everyVariableComposeSetsIsOneTheServiceReads() {
        assertThat(environment(service("service-a")).keySet()).allSatisfy(name -> assertThat(readBy(a)).contains(name));
        assertThat(environment(service("service-b")).keySet()).allSatisfy(name -> assertThat(readBy(b)).contains(name));
    }

    @Test
    void healthAndMetricsPathsAreServed() {
        for (var config : List.of(a, b)) {
            assertThat(config.get("management.endpoint.health.probes.enabled")).isEqualTo(true);
            assertThat(config.get("management.endpoints.web.exposure.include").toString()).contains("health", "prometheus");
        }
        assertThat(prometheus).contains("metrics_path: /actuator/prometheus");
    }

    /** Environment variables a service reads: relaxed-binding names of its properties, and ${VAR} placeholders. */
    private static Set<String> readBy(Map<String, Object> config) {
        Set<String> names = config.keySet().stream()
                .map(key -> key.replace("-", "").replace(".", "_").toUpperCase(Locale.ROOT))
                .collect(Collectors.toSet());
        Matcher placeholders = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)[:}]").matcher(config.values().toString());
        while (placeholders.find()) {
            names.add(placeholders.group(1).replace("-", "").replace(".", "_").toUpperCase(Locale.ROOT));
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> service(String name) {
        return (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(name);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> service) {
        return ((Map<String, Object>) service.get("environment")).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }

    @SuppressWarnings("unchecked")
    private static List<String> ports(Map<String, Object> service) {
        return (List<String>) service.get("ports");
    }

    @SuppressWarnings("unchecked")
    private static String healthcheckUrl(Map<String, Object> service) {
        List<String> test = (List<String>) ((Map<String, Object>) service.get("healthcheck")).get("test");
        return test.get(test.size() - 1);
    }
}
