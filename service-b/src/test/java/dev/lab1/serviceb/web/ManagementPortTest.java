package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Actuator is on B's management port only, and that port, which Boot serves from a child context of
 * its own, answers errors and hostile requests as the public port does: B's JSON, TRACE refused,
 * a trickling client dropped. Nothing there counts as a {@code /call-echo} outcome.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "grpc.server.port=-1",
        "service-b.service-a.address=static://127.0.0.1:1", // refused: no call reaches A in these tests
        "service-b.http.request-header-timeout=1s"})         // a trickle is dropped within 1.5 s
@AutoConfigureObservability
@ExtendWith(OutputCaptureExtension.class)
class ManagementPortTest {


    @LocalServerPort
    int port;
    @LocalManagementPort
    int managementPort;
    @Autowired
    MeterRegistry meters;

    @Test
    void actuatorIsServedOnTheManagementPortOnly() throws IOException {
        assertThat(managementPort).isNotEqualTo(port);
        assertThat(RawRequest.send(port, "GET", "/health", "").status()).isEqualTo(200); // a public request, to be seen in the scrape

        var health = RawRequest.send(managementPort, "GET", "/actuator/health", "");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("status").asText()).isEqualTo("UP");
        assertThat(RawRequest.send(managementPort, "GET", "/actuator/health/readiness", "").status()).isEqualTo(200);
        var scrape = RawRequest.send(managementPort, "GET", "/actuator/prometheus", "");
        assertThat(scrape.status()).isEqualTo(200);
        assertThat(scrape.body()).contains("call_echo_outcomes_total").containsPattern("http_server_requests_seconds_count\\{[^}]*uri=\"/health\"");

        for (String path : new String[] {"/actuator", "/actuator/health", "/actuator/health/readiness", "/actuator/prometheus"}) {
            var onPublicPort = RawRequest.send(port, "GET", path, "");
            assertThat(onPublicPort.status()).as(path).isEqualTo(404);
            assertThat(onPublicPort.contentType()).as(path).startsWith("application/json");
            assertThat(onPublicPort.body()).as(path).isEqualTo("{\"error\":\"Not Found\",\"status\":404}");
        }
    }

    /** Columns: what, method, target, extra header lines (\n-separated), status. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            an unknown path asking for HTML    | GET    | /nope                  | Accept: text/html  | 404
            /error asked directly              | GET    | /error                 | Accept: text/html  | 404
            an endpoint not exposed            | GET    | /actuator/env          |                    | 404
            /call-echo is not served here      | GET    | /call-echo?msg=x       |                    | 404
            a method Actuator does not take    | POST   | /actuator/health       |                    | 405
            TRACE with a cookie                | TRACE  | /actuator/health       | Cookie: secret=1   | 405
            TRACE of /call-echo                | TRACE  | /call-echo?msg=x       | Cookie: secret=1   | 405
            malformed percent-escape           | GET    | /actuator/%ZZ          |                    | 400
            an encoded slash and dot-dot       | GET    | /actuator/..%2Fhealth  |                    | 400
            20 KB header                       | GET    | /call-echo?msg=x       | X-Big: {20k}       | 431
            """)
    void errorsOnTheManagementPortAreBsJsonAndCountNothing(String what, String method, String target, String headers,
                                                           int status, CapturedOutput output) throws IOException {
        double callEchoAnswers = callEchoAnswers();

        var response = RawRequest.send(managementPort, method, target,
                headers == null ? "" : headers.replace("{20k}", "a".repeat(20_000)));

        assertThat(response.status()).as(what).isEqualTo(status);
        assertThat(response.contentType()).as(what).startsWith("application/json");
        assertThat(response.json().get("status").asInt()).as(what).isEqualTo(status);
        assertThat(response.json().hasNonNull("error")).as(what).isTrue();
        assertThat(response.body()).as(what).doesNotContain("secret", "<html", "timestamp", "Exception");
        assertThat(callEchoAnswers()).as(what).isEqualTo(callEchoAnswers);
        assertThat(output.getOut()).as(what).doesNotContain("service=B endpoint=/call-echo");
    }

    @Test
    void aClientTricklingItsHeadersIsDroppedOnTheManagementPortToo() throws IOException {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", managementPort), 5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET /actuator/health HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            // A header byte every 200 ms keeps Jetty's idle timeout (30 s) from ever firing; only B's
            // header deadline (1 s here, acting within 1.5 s) closes the connection.
            boolean dropped = false;
            while (!dropped && Duration.ofNanos(System.nanoTime() - start).compareTo(Duration.ofSeconds(10)) < 0) {
                try {
                    out.write('X');
                    out.flush();
                    Thread.sleep(200);
                } catch (IOException closed) {
                    dropped = true;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            assertThat(dropped).as("connection closed while it trickled").isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    private double callEchoAnswers() {
        return meters.find("call.echo.outcomes").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
