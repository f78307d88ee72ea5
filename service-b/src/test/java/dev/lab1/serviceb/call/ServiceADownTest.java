package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;

import dev.lab1.serviceb.Http;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** Nothing listens where B expects A: B stays healthy and says so clearly. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "grpc.server.port=-1")
@AutoConfigureObservability
class ServiceADownTest {

    @DynamicPropertySource
    static void nobodyListens(DynamicPropertyRegistry registry) throws IOException {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        registry.add("service-a.address", () -> "static://127.0.0.1:" + closedPort);
    }

    @LocalServerPort
    int port;

    @Test
    void unavailableThenCircuitOpenWhileBStaysHealthy() {
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
        var actuatorHealth = http.get("/actuator/health");
        assertThat(actuatorHealth.statusCode()).isEqualTo(200);
        assertThat(actuatorHealth.body()).contains("\"status\":\"UP\"");

        String scrape = http.get("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("call_echo_outcomes_total\\{[^}]*reason=\"unavailable\"[^}]*\\} [1-9]");
        assertThat(scrape).containsPattern("call_echo_outcomes_total\\{[^}]*reason=\"circuit_open\"[^}]*\\} [1-9]");
        assertThat(scrape).contains("resilience4j_circuitbreaker_state");
    }
}
