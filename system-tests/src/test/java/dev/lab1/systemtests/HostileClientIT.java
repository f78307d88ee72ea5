package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Requests of hostile or careless clients against the real B jar (and a real A), written byte for
 * byte on a socket: each row gets its expected status and B's JSON, reaches A only when it is a
 * valid call, never counts against A (the breaker records no failure and stays closed), and writes
 * exactly the log lines it should: one per /call-echo request, none forged by the request's content.
 */
class HostileClientIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final ProcessFixture processes = new ProcessFixture();

    static ServiceProcess a;
    static ServiceProcess b;

    @BeforeAll
    static void start() {
        a = processes.serviceA();
        b = processes.serviceB(a);
        a.awaitReady();
        b.awaitReady();
        // Warmed up on purpose: the hostile clients' cost to B's users is measured against warm
        // answers; a cold B's first calls would be charged to the hostile clients.
        b.warmUp();
    }

    @AfterAll
    static void summary() {
        System.out.printf("FAULT-MATRIX | hostile requests to B (HostileClientIT) | every row B's JSON, A called only for "
                + "valid calls, breaker %s%n", breakerState());
    }

    /**
     * Columns: what, method, target, header lines ({CR} = a bare CR, {20K} = 20,000 bytes, ' || ' between lines),
     * status, body ("error": B's {"error":…}, "echo": the normal answer, "none": HEAD), B's /call-echo log lines
     * added, A called.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            TRACE with a cookie                | TRACE  | /call-echo?msg=x                 | Cookie: secret=1            | 405 | error | 1 | false
            HEAD of /call-echo                 | HEAD   | /call-echo?msg=x                 |                             | 405 | none  | 1 | false
            an unknown method                  | FOO    | /call-echo?msg=x                 |                             | 405 | error | 1 | false
            malformed percent-escape           | GET    | /call-echo?msg=%ZZ               |                             | 400 | error | 1 | false
            invalid UTF-8                      | GET    | /call-echo?msg=%C3%28            |                             | 400 | error | 1 | false
            msg twice                          | GET    | /call-echo?msg=a&msg=b           |                             | 400 | error | 1 | false
            msg missing                        | GET    | /call-echo                       |                             | 400 | error | 1 | false
            an unknown path asking for HTML    | GET    | /nope                            | Accept: text/html           | 404 | error | 0 | false
            a 100 KB msg                       | GET    | /call-echo?msg={100K}            |                             | 414 | error | 0 | false
            a 1025-character msg               | GET    | /call-echo?msg={1025}            |                             | 400 | error | 1 | false
            a 20 KB header                     | GET    | /call-echo?msg=x                 | X-Big: {20K}                | 431 | error | 1 | false
            a bare CR in a header value        | GET    | /call-echo?msg=x                 | X-Evil: a{CR}service=B x    | 400 | error | 1 | false
            a path with .. and %2F             | GET    | /call-echo/..%2F..%2Fhealth      |                             | 400 | error | 0 | false
            a path with ..                     | GET    | /health/../call-echo?msg=x       |                             | 404 | error | 0 | false
            control characters in msg          | GET    | /call-echo?msg=%00%07%1B%7F      |                             | 200 | echo  | 1 | true
            a CRLF and a forged line in msg    | GET    | /call-echo?msg=x%0D%0Aservice=B%20forged%0A |                  | 200 | echo  | 1 | true
            1,000 query parameters             | GET    | /call-echo?msg=x&{1000}          |                             | 200 | echo  | 1 | true
            any Accept                         | GET    | /call-echo?msg=x                 | Accept: text/html           | 200 | echo  | 1 | true
            a multipart Content-Type on a GET  | GET    | /call-echo?msg=x                 | Content-Type: multipart/form-data; boundary=z | 200 | echo | 1 | true
            """)
    void eachRowGetsItsAnswerAndNothingElse(String what, String method, String target, String headers, int status,
                                            String body, int callEchoLines, boolean reachesA) {
        long aCallsBefore = aCalls();
        long bLinesBefore = b.countLogLines("service=B endpoint=/call-echo");
        double failedBefore = breakerFailures();

        var response = RawHttp.send(b.httpPort(), method, expand(target),
                headers == null ? List.of() : List.of(expand(headers).split(" \\|\\| ")));

        assertThat(response.status()).as(what).isEqualTo(status);
        switch (body) {
            case "error" -> {
                assertThat(response.contentType()).as(what).startsWith("application/json");
                assertThat(response.json().get("error").isTextual()).as(what).isTrue();
            }
            case "echo" -> assertThat(response.json().at("/service_b").asText()).as(what).isEqualTo("ok");
            default -> assertThat(response.body()).as(what).isEmpty();
        }
        assertThat(response.body()).as(what).doesNotContain("secret", "<html", "Exception");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(b.countLogLines("service=B endpoint=/call-echo")).as(what + ": B's call lines")
                    .isEqualTo(bLinesBefore + callEchoLines);
            assertThat(aCalls()).as(what + ": A's calls").isEqualTo(aCallsBefore + (reachesA ? 1 : 0));
        });
        assertThat(breakerFailures()).as(what + ": failures recorded against A").isEqualTo(failedBefore);
        assertThat(breakerState()).as(what).isEqualTo("CLOSED");
        // Nothing the client sent became a line of its own, and no stack trace was written.
        assertThat(b.logLines("^service=B")).as(what).isEmpty();
        assertThat(b.logLines("^\\s+at \\w")).as(what).isEmpty();
    }

    private static long aCalls() {
        return a.countLogLines("service=A procedure=Echo");
    }

    private static double breakerFailures() {
        return b.management("/actuator/prometheus").body().lines()
                .filter(line -> line.startsWith("resilience4j_circuitbreaker_calls_seconds_count{")
                        && line.contains("kind=\"failed\"") && line.contains("name=\"service-a\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String breakerState() {
        try {
            return JSON.readTree(b.management("/actuator/health").body()).at("/components/serviceA/details/circuitBreaker").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String expand(String text) {
        return text.replace("{CR}", "\r")
                .replace("{20K}", "a".repeat(20_000))
                .replace("{100K}", "x".repeat(100_000))
                .replace("{1025}", "x".repeat(1025))
                .replace("{1000}", IntStream.range(0, 1000).mapToObj(i -> "p" + i + "=1").collect(Collectors.joining("&")));
    }
}
