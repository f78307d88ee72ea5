package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The Kubernetes manifests (deploy/) agree with the services' own application.yml: container ports,
 * the port every probe and Prometheus's annotation use (Actuator's), the Service exposing only
 * the public ports, and mutual TLS from a Secret of each service's own. (scripts/k8s-check.sh
 * validates them against the API schema.)
 */
class KubernetesConsistencyTest {

    private static final String A_CONFIG = "service-a/src/main/resources/application.yml";
    private static final String B_CONFIG = "service-b/src/main/resources/application.yml";

    private final Map<String, Object> a = RepoFiles.springDefaults(A_CONFIG);
    private final Map<String, Object> b = RepoFiles.springDefaults(B_CONFIG);

    @Test
    void serviceAsActuatorIsItsHttpPort() {
        String actuator = a.get("server.port").toString();
        var deployment = deployment("service-a");

        assertThat(containerPorts(deployment)).containsValues(a.get("grpc.server.port").toString(), actuator);
        assertThat(environment(deployment)).containsEntry("SERVER_PORT", actuator);
        assertThat(probeAndScrapePorts(deployment)).containsOnly(actuator);
    }

    @Test
    void serviceBsActuatorIsItsManagementPortAndTheServiceExposesOnlyThePublicOne() {
        String publicPort = b.get("server.port").toString();
        String actuator = b.get("management.server.port").toString();
        var deployment = deployment("service-b");

        assertThat(containerPorts(deployment)).containsValues(publicPort, actuator);
        assertThat(environment(deployment)).containsEntry("SERVER_PORT", publicPort).containsEntry("MANAGEMENT_SERVER_PORT", actuator);
        assertThat(probeAndScrapePorts(deployment)).containsOnly(actuator);
        assertThat(servicePorts("service-b")).containsExactly(publicPort);
    }

    /**
     * Both run mutual TLS (a profile the service defines that sets the mode), reading tls.crt, tls.key
     * and ca.crt from the directory where the Secret service-x-tls is mounted read-only, readable by
     * the pod's group only.
     */
    @Test
    @SuppressWarnings("unchecked")
    void bothRunMutualTlsFromTheirOwnSecretMountedReadOnly() {
        Map<String, List<String>> settings = Map.of(
                "service-a", List.of(A_CONFIG, "service-a.grpc.tls.mode", "service-a.grpc.tls.directory"),
                "service-b", List.of(B_CONFIG, "service-b.service-a.tls.mode", "service-b.service-a.tls.directory"));
        settings.forEach((name, setting) -> {
            var deployment = deployment(name);
            Map<String, String> environment = environment(deployment);
            assertThat(environment).as(name).containsEntry("SPRING_PROFILES_ACTIVE", "mutual-tls");
            assertThat(RepoFiles.springValue(setting.get(0), "mutual-tls", setting.get(1))).as(name).isEqualTo("mutual-tls");
            String directory = environment.get(RepoFiles.environmentVariable(setting.get(2)));
            assertThat(directory).as(name).isNotNull();

            var mounts = ((List<Map<String, Object>>) container(deployment).get("volumeMounts")).stream()
                    .filter(mount -> directory.equals(mount.get("mountPath"))).toList();
            assertThat(mounts).as(name + ": a volume mounted at " + directory).hasSize(1);
            assertThat(mounts.get(0)).containsEntry("readOnly", true);
            var volume = ((List<Map<String, Object>>) ((Map<String, Object>) template(deployment).get("spec")).get("volumes"))
                    .stream().filter(v -> v.get("name").equals(mounts.get(0).get("name"))).findFirst().orElseThrow();
            var secret = (Map<String, Object>) volume.get("secret");
            assertThat(secret).as(name).containsEntry("secretName", name + "-tls").containsEntry("defaultMode", 0440);
        });
    }

    /** The container port every probe names (by name or number), and Prometheus's annotation. */
    @SuppressWarnings("unchecked")
    private static List<String> probeAndScrapePorts(Map<String, Object> deployment) {
        Map<String, String> named = containerPorts(deployment);
        var ports = new ArrayList<String>();
        Map<String, Object> container = container(deployment);
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            var httpGet = (Map<String, Object>) ((Map<String, Object>) container.get(probe)).get("httpGet");
            assertThat(httpGet.get("path").toString()).as(probe).startsWith("/actuator/health/");
            String port = httpGet.get("port").toString();
            ports.add(named.getOrDefault(port, port));
        }
        var annotations = (Map<String, Object>) ((Map<String, Object>) template(deployment).get("metadata")).get("annotations");
        assertThat(annotations).containsEntry("prometheus.io/path", "/actuator/prometheus");
        ports.add(annotations.get("prometheus.io/port").toString());
        return ports;
    }

    /** Port name -> container port number. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> containerPorts(Map<String, Object> deployment) {
        return ((List<Map<String, Object>>) container(deployment).get("ports")).stream()
                .collect(Collectors.toMap(p -> p.get("name").toString(), p -> p.get("containerPort").toString()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> deployment) {
        return ((List<Map<String, Object>>) container(deployment).get("env")).stream()
                .collect(Collectors.toMap(e -> e.get("name").toString(), e -> String.valueOf(e.get("value"))));
    }

    @SuppressWarnings("unchecked")
    private List<String> servicePorts(String name) {
        var spec = (Map<String, Object>) object("Service", name).get("spec");
        return ((List<Map<String, Object>>) spec.get("ports")).stream().map(p -> p.get("port").toString()).toList();
    }

    /** The pod's one container. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> deployment) {
        var containers = (List<Map<String, Object>>) ((Map<String, Object>) template(deployment).get("spec")).get("containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> template(Map<String, Object> deployment) {
        return (Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template");
    }

    private Map<String, Object> deployment(String name) {
        return object("Deployment", name);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(String kind, String name) {
        for (Object doc : new Yaml().loadAll(RepoFiles.text("deploy/" + name + ".yaml"))) {
            var object = (Map<String, Object>) doc;
            if (kind.equals(object.get("kind")) && name.equals(((Map<String, Object>) object.get("metadata")).get("name"))) {
                return object;
            }
        }
        throw new AssertionError("no " + kind + " " + name + " in deploy/" + name + ".yaml");
    }
}
