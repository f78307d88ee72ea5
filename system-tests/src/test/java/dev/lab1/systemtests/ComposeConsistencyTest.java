package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml and prometheus.yml agree with the services' own application.yml: the
 * ports, the address B calls A at, the health and metrics paths, and that every environment
 * variable compose sets is one the service reads; and the file stays safe to leave running.
 * (scripts/compose-check.sh runs the file on a real engine; this test says which line is wrong
 * without one.)
 */
class ComposeConsistencyTest {

    private final Map<String, Object> compose = RepoFiles.yaml("docker-compose.yml");
    private final Map<String, Object> a = RepoFiles.springDefaults("service-a/src/main/resources/application.yml");
    private final Map<String, Object> b = RepoFiles.springDefaults("service-b/src/main/resources/application.yml");
    private final String prometheus = RepoFiles.text("observability/prometheus/prometheus.yml");

    @Test
    void serviceAsPortsMatchItsConfiguration() {
        String grpcPort = a.get("grpc.server.port").toString();
        String httpPort = a.get("server.port").toString();
        Map<String, Object> service = service("service-a");

        assertThat(environment(service)).containsEntry("GRPC_SERVER_PORT", grpcPort).containsEntry("SERVER_PORT", httpPort);
        assertThat(publishedPorts(service)).containsExactlyInAnyOrder(grpcPort + "->" + grpcPort, httpPort + "->" + httpPort);
        assertThat(prometheus).contains("service-a:" + httpPort);
    }

    /** B's Actuator is on its management port: that is the one Prometheus scrapes, never the public one. */
    @Test
    void serviceBsPortsAndItsAddressOfAMatchTheConfiguration() {
        String httpPort = b.get("server.port").toString();
        String managementPort = b.get("management.server.port").toString();
        Map<String, Object> service = service("service-b");

        assertThat(managementPort).isNotEqualTo(httpPort);
        assertThat(environment(service)).containsEntry("SERVER_PORT", httpPort)
                .containsEntry("MANAGEMENT_SERVER_PORT", managementPort)
                .containsEntry("SERVICEB_SERVICEA_ADDRESS", "dns:///service-a:" + a.get("grpc.server.port"));
        assertThat(publishedPorts(service))
                .containsExactlyInAnyOrder(httpPort + "->" + httpPort, managementPort + "->" + managementPort);
        assertThat(prometheus).contains("service-b:" + managementPort).doesNotContain("service-b:" + httpPort);
    }

    @Test
    void everyVariableComposeSetsIsOneTheServiceReads() {
        assertThat(environment(service("service-a")).keySet()).allSatisfy(name -> assertThat(readBy(a)).contains(name));
        assertThat(environment(service("service-b")).keySet()).allSatisfy(name -> assertThat(readBy(b)).contains(name));
    }

    /**
     * Compose keeps the image's own check (docker/healthcheck.sh: readiness on the Actuator port,
     * MANAGEMENT_SERVER_PORT or SERVER_PORT, which compose sets), only probing more often: a test of
     * its own here could name another port.
     */
    @Test
    void healthchecksAreTheImagesOwnOnTheServicesPort() {
        for (String name : List.of("service-a", "service-b")) {
            assertThat(healthcheck(service(name))).doesNotContainKey("test").containsKey("interval");
        }
        assertThat(RepoFiles.text("docker/healthcheck.sh"))
                .contains("${MANAGEMENT_SERVER_PORT", "${SERVER_PORT", "/actuator/health/readiness");
        assertThat(RepoFiles.text("Dockerfile")).contains("HEALTHCHECK", "/opt/healthcheck/healthcheck.sh",
                "/healthcheck/management-port", "/healthcheck/default-port");
    }

    /** Safe to leave running: nothing reachable from the network by default, services restarted. */
    @Test
    void composeIsSafeToLeaveRunning() {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        services.forEach((name, service) -> assertThat(ports(service)).as(name)
                .allSatisfy(port -> assertThat(port).startsWith("${BIND_ADDRESS:-127.0.0.1}:")));
        for (String name : List.of("service-a", "service-b")) {
            assertThat(service(name)).containsEntry("restart", "unless-stopped");
        }
        assertThat(environment(service("grafana"))).doesNotContainKey("GF_SECURITY_ADMIN_PASSWORD")
                .containsEntry("GF_AUTH_DISABLE_LOGIN_FORM", "true")
                .containsEntry("GF_SECURITY_DISABLE_INITIAL_ADMIN_CREATION", "true")
                .containsEntry("GF_AUTH_ANONYMOUS_ORG_ROLE", "Viewer");
        // The image runs with the README's flags (scripts/jvm-options: a bounded heap, exit on OutOfMemoryError).
        assertThat(RepoFiles.text("Dockerfile")).contains("scripts/jvm-options", "ENTRYPOINT [\"/app/entrypoint.sh\"]");
        assertThat(RepoFiles.text("docker/entrypoint.sh")).contains("exec java", "/app/jvm-options");
        assertThat(JvmOptions.flags()).contains("-XX:+ExitOnOutOfMemoryError");
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
        Set<String> names = config.keySet().stream().map(RepoFiles::environmentVariable).collect(Collectors.toSet());
        Matcher placeholders = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)[:}]").matcher(config.values().toString());
        while (placeholders.find()) {
            names.add(RepoFiles.environmentVariable(placeholders.group(1)));
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
        return (List<String>) service.getOrDefault("ports", List.of());
    }

    /**
     * {@code "${BIND_ADDRESS:-127.0.0.1}:${B_PORT:-8081}:8081"} as {@code "8081->8081"}: the
     * default host port, then the container port.
     */
    private static List<String> publishedPorts(Map<String, Object> service) {
        // ${VAR:-8081} (empty = default) or ${VAR-8080} (empty = a free host port, for replicas)
        Pattern published = Pattern.compile("\\$\\{BIND_ADDRESS:-127\\.0\\.0\\.1}:\\$\\{[A-Z_]+:?-(\\d+)}:(\\d+)");
        return ports(service).stream().map(port -> {
            Matcher matcher = published.matcher(port);
            assertThat(matcher.matches()).as("published port %s", port).isTrue();
            return matcher.group(1) + "->" + matcher.group(2);
        }).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> healthcheck(Map<String, Object> service) {
        return (Map<String, Object>) service.get("healthcheck");
    }
}
