package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.serviceb.Http;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Nothing listens where B expects A: B stays healthy and says so clearly. The time limit is raised
 * so that a cold first call on a slow machine (class loading, the first connection attempt) is
 * still seen as what it is, A unreachable, and not cut short as a timeout.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"grpc.server.port=-1", "resilience4j.timelimiter.configs.default.timeout-duration=10s"})
@AutoConfigureObservability
class ServiceADownTest {

    @DynamicPropertySource
    static void nobodyListens(DynamicPropertyRegistry registry) throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        registry.add("service-b.service-a.address", () -> "static://127.0.0.1:" + closedPort);
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @LocalManagementPort
    int managementPort;

    @Autowired
    CircuitBreakerRegistry breakers;

    @Test
    void theBreakerHasItsUnreachableRule() {
        // Its behaviour: OpenWhenUnreachableTest, and FaultSuiteIT's "A killed under load" on the real jars.
        assertThat(breakers.circuitBreaker(ServiceAClient.SERVICE_A).getCircuitBreakerConfig().getTransitionOnResult())
                .isInstanceOf(ServiceABreaker.OpenWhenUnreachable.class);
    }

    @Test
    void unavailableThenCircuitOpenWhileBStaysHealthy() throws Exception {
        var http = new Http(port);

        var first = http.get("/call-echo?msg=hello");
        assertThat(first.statusCode()).isEqualTo(503);
        assertThat(first.body()).contains("\"service_a\":\"unavailable\"").doesNotContain("127.0.0.1");

        for (int i = 0; i < 10; i++) {
            http.get("/call-echo?msg=hello");
        }
        long start = System.nanoTime();
        var fastFail = http.get("/call-echo?msg=hello");
        assertThat(fastFail.statusCode()).isEqualTo(503);
        assertThat(fastFail.body()).contains("\"service_a\":\"circuit_open\"");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));

        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        // B itself UP (HTTP 200), its serviceA component DEGRADED with the breaker open: A's
        // failure shown, not made B's. (Other components, ping and disk space, say UP as well.)
        var actuator = new Http(managementPort);
        var actuatorHealth = actuator.get("/actuator/health");
        assertThat(actuatorHealth.statusCode()).isEqualTo(200);
        JsonNode health = JSON.readTree(actuatorHealth.body());
        assertThat(health.get("status").asText()).isEqualTo("UP");
        assertThat(health.at("/components/serviceA/status").asText()).isEqualTo("DEGRADED");
        assertThat(health.at("/components/serviceA/details/circuitBreaker").asText()).isIn("OPEN", "HALF_OPEN");

        String scrape = actuator.get("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("call_echo_outcomes_total\\{[^}]*reason=\"unavailable\"[^}]*\\} [1-9]");
        assertThat(scrape).containsPattern("call_echo_outcomes_total\\{[^}]*reason=\"circuit_open\"[^}]*\\} [1-9]");
        assertThat(scrape).contains("resilience4j_circuitbreaker_state");
    }
}
