package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
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
 * variable compose sets is one the service reads; the pair runs mutual TLS by default, each service
 * with only its own certificates; and the file stays safe to leave running.
 * (scripts/compose-check.sh runs the file on a real engine; this test says which line is wrong
 * without one.)
 */
class ComposeConsistencyTest {

    private final Map<String, Object> compose = RepoFiles.yaml("docker-compose.yml");
    private static final String A_CONFIG = "service-a/src/main/resources/application.yml";
    private static final String B_CONFIG = "service-b/src/main/resources/application.yml";

    private final Map<String, Object> a = RepoFiles.springDefaults(A_CONFIG);
    private final Map<String, Object> b = RepoFiles.springDefaults(B_CONFIG);
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

    /** SPRING_PROFILES_ACTIVE is Spring Boot's own: the profiles it names are checked below instead. */
    @Test
    void everyVariableComposeSetsIsOneTheServiceReads() {
        assertThat(environment(service("service-a")).keySet()).allSatisfy(name -> assertThat(readBy(A_CONFIG)).contains(name));
        assertThat(environment(service("service-b")).keySet()).allSatisfy(name -> assertThat(readBy(B_CONFIG)).contains(name));
    }

    /**
     * Both services in mutual TLS unless TLS_MODE says otherwise, by one variable (they cannot
     * disagree), through a profile each service defines; each reads its certificates from the
     * directory where its own volume is mounted read-only.
     */
    @Test
    void mutualTlsByDefaultFromEachServicesOwnVolume() {
        Map<String, String> modes = Map.of("service-a", "service-a.grpc.tls.mode", "service-b", "service-b.service-a.tls.mode");
        Map<String, String> directories = Map.of("service-a", "service-a.grpc.tls.directory",
                "service-b", "service-b.service-a.tls.directory");
        Map<String, String> configs = Map.of("service-a", A_CONFIG, "service-b", B_CONFIG);
        for (String name : List.of("service-a", "service-b")) {
            Map<String, String> environment = environment(service(name));
            assertThat(environment).as(name).containsEntry("SPRING_PROFILES_ACTIVE", "${TLS_MODE:-mutual-tls}");
            assertThat(RepoFiles.springProfiles(configs.get(name))).as(name).contains("mutual-tls", "tls");
            assertThat(RepoFiles.springValue(configs.get(name), "mutual-tls", modes.get(name))).as(name).isEqualTo("mutual-tls");
            assertThat(RepoFiles.springValue(configs.get(name), "plaintext", modes.get(name))).as(name).isEqualTo("plaintext");

            String directory = environment.get(RepoFiles.environmentVariable(directories.get(name)));
            assertThat(volumes(service(name))).as(name).containsExactly("certs-" + name + ":" + directory + ":ro");
        }
    }

    /**
     * The one-shot makes the certificates with scripts/certs.sh (a second up keeps them), before
     * either service starts; the CA's volume (its key) is mounted nowhere else; what it writes
     * belongs to the group the services run as (the Dockerfile's user), so they can read their keys.
     */
    @Test
    void certificatesComeFromTheOneShotAndTheCaKeyStaysInIt() {
        Map<String, Object> certs = service("certs");
        assertThat(certs).containsEntry("restart", "no").doesNotContainKey("ports");
        assertThat(String.valueOf(certs.get("entrypoint"))).contains("certs.sh", "--if-missing");
        assertThat(volumes(certs)).contains("./scripts/certs.sh:/opt/lab1/certs.sh:ro", "certs-ca:/certs/ca",
                "certs-service-a:/certs/service-a", "certs-service-b:/certs/service-b");
        assertThat(RepoFiles.text("scripts/certs.sh")).contains("--if-missing");

        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(RepoFiles.text("Dockerfile"));
        assertThat(user.find()).as("USER uid:gid in the Dockerfile").isTrue();
        assertThat(certs.get("user")).isEqualTo("0:" + user.group(2));

        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        services.forEach((name, service) -> {
            if (!name.equals("certs")) {
                assertThat(volumes(service)).as(name).noneMatch(volume -> volume.startsWith("certs-ca:"));
            }
        });
        for (String name : List.of("service-a", "service-b")) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> dependsOn = (Map<String, Map<String, Object>>) service(name).get("depends_on");
            assertThat(dependsOn.get("certs")).as(name).containsEntry("condition", "service_completed_successfully");
        }
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

    /**
     * Environment variables a service reads: relaxed-binding names of its properties (in any of its
     * application.yml's documents), and ${VAR} placeholders.
     */
    private static Set<String> readBy(String configFile) {
        Set<String> names = new HashSet<String>();
        for (Map<String, Object> config : RepoFiles.springDocuments(configFile)) {
            config.keySet().stream().map(RepoFiles::environmentVariable).forEach(names::add);
            Matcher placeholders = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.-]*)[:}]").matcher(config.values().toString());
            while (placeholders.find()) {
                names.add(RepoFiles.environmentVariable(placeholders.group(1)));
            }
        }
        names.add("SPRING_PROFILES_ACTIVE");
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
    private static List<String> volumes(Map<String, Object> service) {
        return (List<String>) service.getOrDefault("volumes", List.of());
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
