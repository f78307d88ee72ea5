package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.skyscreamer.jsonassert.JSONAssert.assertEquals;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import dev.lab1.fakea.BAgainstFakeA;
import dev.lab1.fakea.FakeServiceA;
import dev.lab1.serviceb.Http;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.web.server.LocalServerPort;

/** B wired as in production, against a fake A: one test per row of the outcome table. */
@BAgainstFakeA
class CallEchoTest {

    /** BAgainstFakeA's time limit. */
    private static final Duration LIMIT = Duration.ofMillis(300);

    @LocalServerPort
    int port;
    @Autowired
    FakeServiceA fakeA;
    @Autowired
    CircuitBreakerRegistry breakers;
    @Autowired
    MeterRegistry meters;
    @Autowired
    BulkheadRegistry bulkheads;

    Http http;
    CircuitBreaker breaker;
    Map<String, Double> outcomesBefore;

    @BeforeEach
    void reset() {
        http = new Http(port);
        outcomesBefore = outcomeCounts();
        fakeA.reset();
        breaker = ClosedBreaker.of(breakers);
    }

    @Test
    void success(CapturedOutput output) throws Exception {
        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertEquals("{\"service_b\":\"ok\",\"service_a\":{\"echo\":\"hello\"}}", response.body(), true);
        // Log lines are written by an asynchronous appender: wait for them, briefly.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output)
                .containsPattern("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms=\\d+"));
        assertCounted("ok");
    }

    @Test
    void anyTextTravelsIntactAndANewlineInMsgMakesOneLogLine(CapturedOutput output) throws Exception {
        String msg = "two\nlines \"quoted\" \\ ünï 😀";

        var response = http.get("/call-echo?msg=" + URLEncoder.encode(msg, StandardCharsets.UTF_8));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body())
                .at("/service_a/echo").textValue()).isEqualTo(msg);
        await().atMost(Duration.ofSeconds(5)).until(() -> output.getOut().contains("service=B endpoint=/call-echo"));
        assertThat(output.getOut().lines().filter(line -> line.contains("service=B endpoint=/call-echo"))).hasSize(1);
        assertThat(output).doesNotContain("lines \"quoted\"");
    }

    @Test
    void anEmptyMessageIsEchoed() throws Exception {
        var response = http.get("/call-echo?msg=");

        assertThat(response.statusCode()).isEqualTo(200);
        assertEquals("{\"service_b\":\"ok\",\"service_a\":{\"echo\":\"\"}}", response.body(), true);
    }

    @Test
    void aUnavailable() throws Exception {
        fakeA.failWith(Status.UNAVAILABLE.withDescription("io exception at 10.1.2.3:8080"));

        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(503);
        assertEquals("{\"service_b\":\"ok\",\"service_a\":\"unavailable\",\"error\":\"service A is not reachable\"}",
                response.body(), true);
        assertCounted("unavailable");
    }

    @Test
    void aSlowerThanTheTimeLimitIsCancelledAtA(CapturedOutput output) throws Exception {
        fakeA.hang();

        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(504);
        assertEquals("{\"service_b\":\"ok\",\"service_a\":\"timeout\",\"error\":\"service A did not answer within 300 ms\"}",
                response.body(), true);
        // On B's own clock: never before the deadline (set after B took the request), and within the
        // limit + 100 ms, as docs/benchmarks.md says of every answer of a slow A (measured there:
        // 6-19 ms past a 1 s limit under full load).
        assertThat(CallEchoLog.lastLatencies(output, "timeout", 1).get(0)).as("latency_ms of the 504")
                .isBetween(LIMIT.toMillis(), LIMIT.plusMillis(100).toMillis());
        await().atMost(Duration.ofSeconds(3)).until(fakeA::cancelledCalls, n -> n == 1);
        assertCounted("timeout");
    }

    @Test
    void anOpenBreakerAnswersWithoutCallingAAtOnce(CapturedOutput output) throws Exception {
        breaker.transitionToOpenState();

        // Eleven answers, so that "at once" is judged on their median, not on one.
        for (int i = 0; i < 11; i++) {
            var response = http.get("/call-echo?msg=hello");

            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("\"service_a\":\"circuit_open\"");
            if (i == 0) {
                // The open wait's time left, rounded up: 5 just after opening, 4 on a machine that stalled a second.
                assertThat(response.headers().firstValue("Retry-After")).get().isIn("4", "5");
            }
        }
        assertThat(fakeA.calls()).isZero();
        assertCounted(Collections.nCopies(11, "circuit_open").toArray(String[]::new));
        CallEchoLog.assertAtOnce(CallEchoLog.lastLatencies(output, "circuit_open", 11), LIMIT);
    }

    @Test
    void repeatedFailuresOfAOpenTheBreaker() {
        fakeA.failWith(Status.UNAVAILABLE);

        for (int i = 0; i < 5; i++) {
            assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(503);
        }
        var response = http.get("/call-echo?msg=x");

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(response.body()).contains("circuit_open");
        assertThat(fakeA.calls()).isEqualTo(5);
    }

    @Test
    void callsPastTheBulkheadAreBusy() throws Exception {
        var release = new CountDownLatch(1);
        fakeA.holdUntil(release);
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> http.get("/call-echo?msg=1"));
        // Polled at once and often: the first call has 300 ms (the time limit) for the second to be refused.
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(fakeA::calls, n -> n == 1);

        var second = http.get("/call-echo?msg=2");
        release.countDown();

        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.body()).contains("\"service_a\":\"busy\"");
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(fakeA.calls()).isEqualTo(1);
        assertCounted("ok", "busy");
    }

    @Test
    void aFullBulkheadAnswersBusyAtOnce(CapturedOutput output) {
        // The bulkhead's one slot held by the test itself: no call in flight whose time limit would
        // end the test's window.
        Bulkhead bulkhead = bulkheads.bulkhead("service-a");
        assertThat(bulkhead.tryAcquirePermission()).isTrue();
        try {
            for (int i = 0; i < 11; i++) {
                var response = http.get("/call-echo?msg=x");

                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.body()).contains("\"service_a\":\"busy\"");
            }
        } finally {
            bulkhead.onComplete();
        }
        assertThat(fakeA.calls()).isZero();
        CallEchoLog.assertAtOnce(CallEchoLog.lastLatencies(output, "busy", 11), LIMIT);
    }

    @Test
    void anApplicationErrorOfAIsABadGatewayNotABreakerFailure() throws Exception {
        fakeA.failWith(Status.INVALID_ARGUMENT.withDescription("internal detail at 10.1.2.3"));

        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(502);
        assertEquals("{\"service_b\":\"ok\",\"service_a\":\"error\",\"error\":\"service A answered with status INVALID_ARGUMENT\"}",
                response.body(), true);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertCounted("error");
    }

    @Test
    void aReplyThatIsNotTheContractsJsonIsABadGateway() {
        fakeA.replyWithText("not json");

        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("not a JSON object");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertCounted("error");
    }

    @Test
    void badInputNeverReachesAAndIsNoBreakerFailure() throws Exception {
        var missing = http.get("/call-echo");
        var tooLong = http.get("/call-echo?msg=" + "x".repeat(1025));
        var longest = http.get("/call-echo?msg=" + URLEncoder.encode("😀".repeat(1024), StandardCharsets.UTF_8));

        assertThat(missing.statusCode()).isEqualTo(400);
        assertEquals("{\"error\":\"query parameter 'msg' is required\",\"status\":400}", missing.body(), true);
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertEquals("{\"error\":\"query parameter 'msg' is longer than 1024 characters\",\"status\":400}", tooLong.body(), true);
        assertThat(longest.statusCode()).isEqualTo(200);
        assertThat(fakeA.calls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
        assertCounted("bad_request", "bad_request", "ok");
    }

    @Test
    void aTimeoutIsASlowCallNotAFailure() {
        fakeA.hang();

        assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(504);

        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfSlowCalls()).isEqualTo(1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void aSlowCallIsACallThatTimedOut() {
        // The slow-call threshold is the time limit (300 ms here), whatever the limit is set to.
        assertThat(breaker.getCircuitBreakerConfig().getSlowCallDurationThreshold()).isEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aHungAStillOpensTheBreaker() {
        fakeA.hang();

        for (int i = 0; i < 5; i++) {
            assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(504);
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(http.get("/call-echo?msg=x").body()).contains("circuit_open");
    }

    @Test
    void aBurstOfTimeoutsAmongGoodCallsLeavesTheBreakerClosed() {
        // A short stall of A under load: the calls caught by it time out together, amid good traffic.
        for (int i = 0; i < 12; i++) {
            assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(200);
        }
        fakeA.hang();
        for (int i = 0; i < 4; i++) {
            assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(504);
        }
        fakeA.reset();

        assertThat(http.get("/call-echo?msg=x").statusCode()).isEqualTo(200);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(breaker.getMetrics().getNumberOfSlowCalls()).isEqualTo(4);
    }

    @Test
    void aTrialThatFailedWhileAWasDownDoesNotReopenTheBreakerOnceAAnswers() {
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();
        fakeA.failWith(Status.UNAVAILABLE.withDescription("connection refused"));
        assertThat(http.get("/call-echo?msg=trial").statusCode()).as("the trial meets A still down").isEqualTo(503);
        fakeA.reset(); // A is back, healthy, and stays so

        // The first call that reaches A after the open wait (5 s, from the YAML) is answered ...
        await().atMost(Duration.ofSeconds(5 + 3)).pollInterval(Duration.ofMillis(250))
                .until(() -> http.get("/call-echo?msg=back").statusCode() == 200);
        // ... and every call after it: the failed trial is not judged together with A's answer.
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        for (int i = 0; i < 5; i++) {
            assertThat(http.get("/call-echo?msg=after").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void retryAfterIsTheTimeLeftInTheOpenState() {
        breaker.transitionToOpenState();
        // The time left of the 5 s wait, rounded up (4 if this machine stalled a second before answering).
        assertThat(http.get("/call-echo?msg=x").headers().firstValue("Retry-After")).get().isIn("4", "5");

        // A second later (5 s wait, whole seconds rounded up): 4 or less, never the full wait again.
        await().atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100)).until(() ->
                http.get("/call-echo?msg=x").headers().firstValue("Retry-After").map(Integer::parseInt).orElse(99) <= 4);
        breaker.transitionToHalfOpenState();
        breaker.transitionToOpenState();
        assertThat(http.get("/call-echo?msg=x").headers().firstValue("Retry-After")).get().isIn("4", "5");
    }

    @Test
    void aOverloadedIsBusyAndDoesNotCountAgainstA() throws Exception {
        fakeA.failWith(Status.RESOURCE_EXHAUSTED.withDescription("service A holds 1000 calls already"));

        var response = http.get("/call-echo?msg=hello");

        assertThat(response.statusCode()).isEqualTo(503);
        assertEquals("{\"service_b\":\"ok\",\"service_a\":\"busy\",\"error\":\"service A is overloaded\"}",
                response.body(), true);
        // A live A protecting itself: refused, not a failure of A (the breaker must not refuse everyone for it).
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertCounted("busy");
    }

    @Test
    void aReplyThatIsNotAJsonObjectCountsAgainstA() {
        for (String reply : new String[] {"[1,2]", "\"text\"", "{\"echo\": ", "null"}) {
            fakeA.replyWithText(reply);

            var response = http.get("/call-echo?msg=hello");

            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).contains("\"service_a\":\"error\"", "not a JSON object");
        }
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertCounted("error", "error", "error", "error");
    }

    @Test
    void aRepeatedMsgIsABadRequest() throws Exception {
        var response = http.get("/call-echo?msg=a&msg=b");

        assertThat(response.statusCode()).isEqualTo(400);
        assertEquals("{\"error\":\"query parameter 'msg' must be given once, not 2 times\",\"status\":400}", response.body(), true);
        assertThat(fakeA.calls()).isZero();
        assertCounted("bad_request");
    }

    private Map<String, Double> outcomeCounts() {
        return meters.find("call.echo.outcomes").counters().stream()
                .collect(Collectors.toMap(counter -> counter.getId().getTag("reason"), Counter::count));
    }

    /** call_echo_outcomes_total moved by exactly these answers, and by nothing else. */
    private void assertCounted(String... reasons) {
        Map<String, Double> expected = new HashMap<>(outcomesBefore);
        for (String reason : reasons) {
            expected.merge(reason, 1.0, Double::sum);
        }
        assertThat(outcomeCounts()).isEqualTo(expected);
    }

    @Test
    void aRequestTheServerRejectsItselfStillGetsAJsonError() {
        var response = http.get("/call-echo?msg=" + "x".repeat(20_000));

        assertThat(response.statusCode()).isEqualTo(414);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.body()).isEqualTo("{\"error\":\"URI Too Long\",\"status\":414}");
        assertThat(fakeA.calls()).isZero();
    }

    @Test
    void failuresKeepTheConnectionOpen() {
        // Tomcat closes it after every 400 and 503 (why B runs on Jetty): each fast-failed call would cost a reconnect.
        assertThat(http.get("/call-echo").headers().firstValue("Connection")).isEmpty();
    }

    @Test
    void healthIsOk() throws Exception {
        var response = http.get("/health");

        assertThat(response.statusCode()).isEqualTo(200);
        assertEquals("{\"status\":\"ok\"}", response.body(), true);
    }
}
