package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an operator sees of the running pair: one trace id across both services' log lines, health
 * that tells the truth, and a dashboard and alert rules whose every metric exists in the real scrape.
 */
class ObservabilityIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One A and one B for the read-only tests of this class (none of them changes their state). */
    @RegisterExtension
    static final ProcessFixture shared = new ProcessFixture();
    /** Processes of their own for the tests that break something. */
    @RegisterExtension
    final ProcessFixture own = new ProcessFixture();

    private static ServiceProcess a;
    private static ServiceProcess b;

    @BeforeAll
    static void start() {
        a = shared.serviceA();
        b = shared.serviceB(a);
        a.awaitReady();
        // Warmed up so that the first test's call is not a cold one: these tests read log lines,
        // headers and metrics, they measure no time under load.
        b.awaitReady().warmUp();
    }

    @Test
    void oneRequestShowsTheSameTraceIdInBothServicesLogLinesAndInTheResponse() {
        var response = b.callEcho("traced");
        String traceId = response.header("X-Trace-Id");

        assertThat(traceId).matches("[0-9a-f]{32}");
        assertThat(b.awaitLogLine("trace_id=" + traceId))
                .containsPattern("service=B endpoint=/call-echo status=ok .*trace_id=" + traceId + " span_id=[0-9a-f]{16}");
        assertThat(a.awaitLogLine("trace_id=" + traceId))
                .containsPattern("service=A procedure=Echo status=ok .*trace_id=" + traceId + " span_id=[0-9a-f]{16}");
    }

    @Test
    void aNewlineInMsgNeverSplitsALogLine() {
        String forged = "x\nservice=B endpoint=/call-echo status=ok forged=yes";

        var answer = b.callEcho(forged);
        assertThat(answer.status()).isEqualTo(200);
        String trace = "trace_id=" + answer.header("X-Trace-Id");

        // The call's own lines first (the appenders are asynchronous), then: one line each, and
        // the forged text in no line at all. Neither service logs msg, so no line may hold it; a
        // service that logged it, split or escaped, fails here. (An allMatch over these lines
        // passed on an empty list: it could not fail.) The escaping of a text that B does log,
        // A's error description, is the next test's.
        assertThat(b.awaitLogLines(trace, 1)).hasSize(1);
        assertThat(a.awaitLogLines(trace, 1)).hasSize(1);
        assertThat(b.logLines("forged=yes")).isEmpty();
        assertThat(a.logLines("forged=yes")).isEmpty();
    }

    @Test
    void aNewlineInAsErrorTextIsEscapedInBsLogLine() throws Exception {
        // A peer of B's that answers every Echo with an error whose text forges a second line:
        // B logs gRPC's description (detail=...), the one text in its line that is not its own.
        String forged = "boom\nservice=B endpoint=/call-echo status=ok forged=yes";
        int port = ProcessFixture.freePort();
        Server hostileA = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(new ServiceAGrpc.ServiceAImplBase() {
                    @Override
                    public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                        observer.onError(Status.INTERNAL.withDescription(forged).asRuntimeException());
                    }
                }).build().start();
        try {
            // A raised time limit: a cold first call must reach the peer, not end as a timeout.
            var alone = own.serviceBCalling("static://127.0.0.1:" + port,
                    "--resilience4j.timelimiter.configs.default.timeout-duration=10s").awaitReady();
            var answer = alone.callEcho("x");
            assertThat(answer.status()).as(answer.body()).isEqualTo(502); // INTERNAL: A failed
            assertThat(answer.body()).doesNotContain("forged");
            String trace = "trace_id=" + answer.header("X-Trace-Id");

            String line = alone.awaitLogLine(trace);
            assertThat(line).contains("status=error").contains("boom\\nservice=B").contains("forged=yes");
            assertThat(alone.logLines("forged=yes")).containsExactly(line);
        } finally {
            hostileA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
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

    /** B's public port serves /health, /call-echo and errors: Actuator is a 404 there, in B's JSON. */
    @Test
    void bsActuatorIsOnItsManagementPortOnly() {
        assertThat(b.managementPort()).isNotEqualTo(b.httpPort());
        assertThat(b.management("/actuator/health").status()).isEqualTo(200);
        assertThat(b.management("/actuator/prometheus").body()).contains("call_echo_outcomes_total");
        for (String path : new String[] {"/actuator", "/actuator/health", "/actuator/health/readiness", "/actuator/prometheus",
                "/actuator/info"}) {
            var onPublicPort = b.get(path);
            assertThat(onPublicPort.status()).as(path).isEqualTo(404);
            assertThat(onPublicPort.header("Content-Type")).as(path).startsWith("application/json");
            assertThat(onPublicPort.body()).as(path).isEqualTo("{\"error\":\"Not Found\",\"status\":404}");
        }
        // Errors on the management port are B's JSON too, and TRACE never echoes the request there.
        var unknown = Http.get(b("/nope"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).isEqualTo("{\"error\":\"Not Found\",\"status\":404}");
        var trace = RawHttp.send(b.managementPort(), "TRACE", "/actuator/health", List.of("Cookie: secret=1"));
        assertThat(trace.status()).isEqualTo(405);
        assertThat(trace.contentType()).startsWith("application/json");
        assertThat(trace.body()).doesNotContain("secret");
    }

    @Test
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
                "http_server_requests_seconds_bucket", "grpc_server_seconds_bucket", "resilience4j_circuitbreaker_calls_seconds_sum",
                "echo_delay_seconds");
        assertThat(scraped).containsAll(used);
    }

    @Test
    void withADownBStaysUpAndShowsAAndTheBreaker() {
        var down = own.serviceA();
        var alone = own.serviceB(down);
        down.awaitReady();
        alone.awaitReady().warmUp(); // as the class's pair (no time measured): the calls below meet A gone, not a cold B
        down.sigkill();
        for (int i = 0; i < 10; i++) {
            alone.callEcho("down");
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var health = alone.management("/actuator/health");
            assertThat(health.status()).isEqualTo(200);
            JsonNode body = JSON.readTree(health.body());
            assertThat(body.get("status").asText()).isEqualTo("UP");
            JsonNode serviceA = body.at("/components/serviceA");
            assertThat(serviceA.get("status").asText()).isEqualTo("DEGRADED");
            assertThat(serviceA.at("/details/reachable").asBoolean()).isFalse();
            assertThat(serviceA.at("/details/grpcHealth").asText()).isEqualTo("UNAVAILABLE");
            assertThat(serviceA.at("/details/circuitBreaker").asText()).isIn("OPEN", "HALF_OPEN");
        });
        assertThat(alone.management("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(alone.management("/actuator/health/readiness").status()).isEqualTo(200);
        assertThat(alone.get("/health").status()).isEqualTo(200);
    }

    private static Set<String> metricNames(String scrape) {
        Set<String> names = new HashSet<>();
        scrape.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }

    /** A's Actuator URL for {@code path}. */
    private static String a(String path) {
        return a.managementUrl(path);
    }

    /** B's Actuator URL for {@code path}: its management port. */
    private static String b(String path) {
        return b.managementUrl(path);
    }
}
