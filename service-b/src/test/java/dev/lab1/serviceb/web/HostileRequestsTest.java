package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import dev.lab1.fakea.BAgainstFakeA;
import dev.lab1.fakea.FakeServiceA;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Requests a hostile or careless client sends, written byte for byte on a socket (an HTTP client
 * library would refuse or repair most of them): each gets B's JSON with the expected status, never
 * reaches A, never counts against A, and a 4xx of /call-echo is counted and logged once as bad_request.
 */
@BAgainstFakeA
class HostileRequestsTest {


    @LocalServerPort
    int port;
    @Autowired
    FakeServiceA fakeA;
    @Autowired
    CircuitBreakerRegistry breakers;
    @Autowired
    MeterRegistry meters;

    @BeforeEach
    void reset() {
        fakeA.reset();
        ClosedBreaker.of(breakers);
    }

    /** Columns: what, method, target, extra header lines (\n-separated), status, counted as a /call-echo bad_request. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            TRACE with a cookie                | TRACE  | /call-echo?msg=x       | Cookie: secret=1           | 405 | true
            TRACE elsewhere                    | TRACE  | /health                | Cookie: secret=1           | 405 | false
            HEAD never calls A                 | HEAD   | /call-echo?msg=x       |                            | 405 | true
            an unknown method                  | FOO    | /call-echo?msg=x       |                            | 405 | true
            DELETE                             | DELETE | /call-echo?msg=x       |                            | 405 | true
            malformed percent-escape           | GET    | /call-echo?msg=%ZZ     |                            | 400 | true
            invalid UTF-8                      | GET    | /call-echo?msg=%C3%28  |                            | 400 | true
            truncated percent-escape           | GET    | /call-echo?msg=%E2%82  |                            | 400 | true
            msg twice                          | GET    | /call-echo?msg=a&msg=b |                            | 400 | true
            an unknown path asking for HTML    | GET    | /nope                  | Accept: text/html          | 404 | false
            /error asked directly              | GET    | /error                 | Accept: text/html          | 404 | false
            CR in a header value               | GET    | /call-echo?msg=x       | X-Evil: a{CR}b              | 400 | true
            20 KB header                       | GET    | /call-echo?msg=x       | X-Big: {20k}               | 431 | true
            an encoded slash and dot-dot       | GET    | /call-echo/..%2Fhealth |                            | 400 | false
            a body on /call-echo               | GET    | /call-echo?msg=x       | Content-Length: 4          | 413 | true
            a form body on /health             | PUT    | /health                | Content-Type: application/x-www-form-urlencoded\\nContent-Length: 4 | 413 | false
            a chunked body                     | POST   | /health                | Transfer-Encoding: chunked | 413 | false
            """)
    void refusedWithBsJson(String what, String method, String target, String headers, int status, boolean countedForCallEcho,
                           CapturedOutput output) {
        Map<String, Double> before = outcomeCounts();
        long linesBefore = callEchoLines(output);

        var response = RawRequest.send(port, method, target, headers == null ? "" : headers.replace("{20k}", "a".repeat(20_000)));

        assertThat(response.status()).as(what).isEqualTo(status);
        if (!method.equals("HEAD")) {
            assertThat(response.contentType()).as(what).startsWith("application/json");
            assertThat(response.json().hasNonNull("error")).as(what).isTrue();
            // B's one error shape, whoever refused the request (Jetty, the error page, the controller).
            assertThat(response.json().get("status").asInt()).as(what).isEqualTo(status);
            assertThat(response.body()).as(what).doesNotContain("secret", "<html", "Exception", "at org.");
        }
        assertThat(fakeA.calls()).as(what).isZero();
        CircuitBreaker breaker = breakers.circuitBreaker("service-a");
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).as(what).isZero();
        if (countedForCallEcho) {
            Map<String, Double> expected = new java.util.HashMap<>(before);
            expected.merge("bad_request", 1.0, Double::sum);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                assertThat(outcomeCounts()).as(what).isEqualTo(expected);
                assertThat(callEchoLines(output)).as(what).isEqualTo(linesBefore + 1);
            });
            assertThat(output.getOut().lines().filter(l -> l.contains("service=B")).reduce((a, b) -> b).orElseThrow())
                    .contains("http=" + status + " reason=bad_request");
        } else {
            assertThat(outcomeCounts()).as(what).isEqualTo(before);
        }
        assertThat(output.getOut()).as(what).doesNotContain("\tat org.eclipse", "\tat org.springframework");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            any Accept                         | Accept: text/html
            Accept nothing JSON                | Accept: image/png
            a multipart Content-Type on a GET  | Content-Type: multipart/form-data; boundary=x
            a form Content-Type on a GET       | Content-Type: application/x-www-form-urlencoded
            an unknown Content-Type            | Content-Type: application/x-evil
            """)
    void oddHeadersGetTheNormalAnswer(String what, String header) {
        var response = RawRequest.send(port, "GET", "/call-echo?msg=x", header);

        assertThat(response.status()).as(what).isEqualTo(200);
        assertThat(response.contentType()).as(what).startsWith("application/json");
        assertThat(response.json().at("/service_a/echo").asText()).as(what).isEqualTo("x");
        assertThat(fakeA.calls()).isEqualTo(1);
    }

    private Map<String, Double> outcomeCounts() {
        return meters.find("call.echo.outcomes").counters().stream()
                .collect(Collectors.toMap(counter -> counter.getId().getTag("reason"), Counter::count));
    }

    private static long callEchoLines(CapturedOutput output) {
        return output.getOut().lines().filter(line -> line.contains("service=B endpoint=/call-echo")).count();
    }
}
