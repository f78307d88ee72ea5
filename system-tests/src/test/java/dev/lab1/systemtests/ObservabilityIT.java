package dev.lab1.systemtests;

import static dev.lab1.systemtests.ServiceProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * What an operator sees of the running pair: one trace id across both services' log lines, health
 * that tells the truth, and a dashboard and alert rules whose every metric exists in the real scrape.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int A_GRPC = freePort();
    private static final int A_HTTP = freePort();
    private static final int B_PORT = freePort();
    private static ServiceProcess a;
    private static ServiceProcess b;

    @BeforeAll
    static void start() {
        a = ServiceProcess.serviceA(A_GRPC, A_HTTP);
        b = ServiceProcess.serviceB(B_PORT, A_GRPC);
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stop() {
        a.close();
        b.close();
    }

    @Test
    @Order(1)
    void oneRequestShowsTheSameTraceIdInBothServicesLogLinesAndInTheResponse() throws Exception {
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(b("/call-echo?msg=traced"))).build(),
                HttpResponse.BodyHandlers.ofString());
        String traceId = response.headers().firstValue("X-Trace-Id").orElseThrow();

        assertThat(traceId).matches("[0-9a-f]{32}");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(b.log()).containsPattern("service=B endpoint=/call-echo status=ok .*trace_id=" + traceId + " span_id=[0-9a-f]{16}");
            assertThat(a.log()).containsPattern("service=A procedure=Echo status=ok .*trace_id=" + traceId + " span_id=[0-9a-f]{16}");
        });
    }

    @Test
    @Order(2)
    void aNewlineInMsgNeverSplitsALogLine() {
        String forged = "x\nservice=B endpoint=/call-echo status=ok forged=yes";

        assertThat(Http.get(b("/call-echo?msg=" + URLEncoder.encode(forged, StandardCharsets.UTF_8))).status()).isEqualTo(200);

        assertThat(b.log()).doesNotContain("forged=yes");
        assertThat(a.log()).doesNotContain("forged=yes");
    }

    @Test
    @Order(3)
    void livenessAndReadinessAnswer200() {
        for (String url : new String[] {a("/actuator/health/liveness"), a("/actuator/health/readiness"),
                b("/actuator/health/liveness"), b("/actuator/health/readiness")}) {
            assertThat(Http.get(url).status()).as(url).isEqualTo(200);
        }
        assertThat(Http.get(a("/actuator/health/readiness")).body()).contains("\"grpcServer\"");
        // Only health, info and prometheus are exposed.
        assertThat(Http.get(b("/actuator/env")).status()).isEqualTo(404);
        assertThat(Http.get(a("/actuator/heapdump")).status()).isEqualTo(404);
    }

    @Test
    @Order(4)
    @SuppressWarnings("unchecked")
    void everyMetricOfTheDashboardAndTheAlertRulesExistsInTheRealScrape() throws Exception {
        Set<String> scraped = new HashSet<>();
        scraped.addAll(metricNames(Http.get(a("/actuator/prometheus")).body()));
        scraped.addAll(metricNames(Http.get(b("/actuator/prometheus")).body()));
        scraped.add("up"); // Prometheus's own, per target

        Set<String> used = new TreeSet<>();
        for (JsonNode panel : JSON.readTree(RepoFiles.text("observability/grafana/dashboards/lab1.json")).get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                used.addAll(PromQl.metricNames(target.get("expr").asText()));
            }
        }
        for (Map<String, Object> group : (List<Map<String, Object>>) RepoFiles.yaml("observability/prometheus/alerts.yml").get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                used.addAll(PromQl.metricNames((String) rule.get("expr")));
            }
        }

        assertThat(used).contains("call_echo_outcomes_total", "resilience4j_circuitbreaker_state",
                "http_server_requests_seconds_bucket", "grpc_server_seconds_bucket", "grpc_client_seconds_bucket", "echo_delay_seconds");
        assertThat(scraped).containsAll(used);
    }

    @Test
    @Order(5)
    void withADownBStaysUpAndShowsAAndTheBreaker() {
        a.sigkill();
        for (int i = 0; i < 10; i++) {
            Http.get(b("/call-echo?msg=down"));
        }

        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            var health = Http.get(b("/actuator/health"));
            assertThat(health.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(health.body());
            assertThat(body.get("status").asText()).isEqualTo("UP");
            JsonNode serviceA = body.at("/components/serviceA");
            assertThat(serviceA.get("status").asText()).isEqualTo("DEGRADED");
            assertThat(serviceA.at("/details/reachable").asBoolean()).isFalse();
            assertThat(serviceA.at("/details/grpcHealth").asText()).isEqualTo("UNAVAILABLE");
            assertThat(serviceA.at("/details/circuitBreaker").asText()).isIn("OPEN", "HALF_OPEN");
        });
        assertThat(Http.get(b("/actuator/health/liveness")).status()).isEqualTo(200);
        assertThat(Http.get(b("/actuator/health/readiness")).status()).isEqualTo(200);
        assertThat(Http.get(b("/health")).status()).isEqualTo(200);
    }

    private static Set<String> metricNames(String scrape) {
        Set<String> names = new HashSet<>();
        scrape.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }

    private static String a(String path) {
        return "http://127.0.0.1:" + A_HTTP + path;
    }

    private static String b(String path) {
        return "http://127.0.0.1:" + B_PORT + path;
    }
}
