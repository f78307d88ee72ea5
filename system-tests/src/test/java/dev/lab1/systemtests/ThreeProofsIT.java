package dev.lab1.systemtests;

import static dev.lab1.systemtests.Outcomes.LIMIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The original README's three proofs, on the real jars as separate processes: success, A
 * unavailable, A slow; then A back to normal, without touching B.
 */
class ThreeProofsIT {

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void successThenADownThenASlowThenRecovery() {
        var a = processes.serviceA();
        var b = processes.serviceB(a);
        a.awaitReady();
        // Warmed up on purpose: the proofs are about B's answers to A's states, each call one
        // example; a cold first call's time is HealthyPeerIT's subject, not this one's.
        b.awaitReady().warmUp();

        // 1. Success: the combined answer, and the log line of this very call in each service.
        var ok = b.callEcho("test");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"service_b\":\"ok\",\"service_a\":{\"echo\":\"test\"}}");
        String trace = "trace_id=" + ok.header("X-Trace-Id");
        assertThat(a.awaitLogLine(trace)).containsPattern("service=A procedure=Echo status=ok latency_ms=\\d+");
        assertThat(b.awaitLogLine(trace)).containsPattern("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms=\\d+");

        // 2. A unavailable: a clear 503, without waiting for the time limit (the connection is
        // gone, nothing to wait for); then the breaker answers without calling A, fast.
        a.sigkill();
        // Even the first call after the kill, made before B's channel may have seen the connection
        // close (grpc-java then fails it with "channel closed"): 503 unavailable, never 502 error.
        var down = b.callEcho("test");
        assertThat(down.status()).as(() -> "B's last log lines:\n" + b.logTail(5)).isEqualTo(503);
        assertThat(down.body()).contains("\"service_a\":\"unavailable\"");
        assertThat(down.elapsed()).isLessThan(LIMIT);
        var fastFail = new AtomicReference<Http.Answer>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            fastFail.set(b.callEcho("test"));
            return fastFail.get().body().contains("circuit_open");
        });
        assertThat(fastFail.get().status()).isEqualTo(503);
        assertThat(fastFail.get().retryAfter()).isNotBlank();
        assertThat(fastFail.get().elapsed()).isLessThanOrEqualTo(Outcomes.FAST_BOUND);
        // Under 1 ms as B measured it (docs/reliability.md), not only as this client's clock saw it:
        // over ten more answers of the open breaker (its wait is 5 s), as one first answer may pay
        // for its code path's first run (2 ms seen).
        for (int i = 0; i < 10; i++) {
            var again = b.callEcho("test");
            assertThat(again.body()).as("answer %d of the open breaker", i).contains("circuit_open");
        }
        Outcomes.assertFastAsBLogged(b.awaitLogLines("endpoint=/call-echo .*reason=circuit_open ", 11));
        // Retry-After is the open wait's time left, rounded up, at least 1: at most the 5 s wait
        // (4 or 5 right after the opening; a starved machine may take a second or more to get here).
        assertThat(Integer.parseInt(fastFail.get().retryAfter())).isBetween(1, 5);
        assertThat(b.get("/health").status()).isEqualTo(200);
        b.awaitLogLine("reason=unavailable");
        b.awaitLogLine("reason=circuit_open");

        // 3. A slow (3 s, the limit is 1 s): 504 timeout at the limit, well before A would have
        // answered; B's /health unaffected.
        a.restartWith("--delay=3").awaitReady();
        var slow = new AtomicReference<Http.Answer>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            slow.set(b.callEcho("test"));
            return slow.get().status() == 504;
        });
        assertThat(slow.get().body()).contains("\"service_a\":\"timeout\"");
        // Not before the limit; and under A's 3 s: B gave up, it did not wait for A.
        assertThat(slow.get().elapsed()).isBetween(Outcomes.TIMEOUT_AT_LEAST, Duration.ofSeconds(3).minusMillis(1));
        assertThat(b.get("/health").elapsed()).isLessThan(LIMIT);
        a.awaitLogLine("service=A procedure=Echo status=cancelled");

        // And back: A normal again, B answers 200 again by itself, within the documented 10 s of
        // A's return (docs/reliability.md: at most one breaker wait of 5 s after A listens).
        a.restartWith().awaitReady();
        long readyAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> b.callEcho("test").status() == 200);
        Duration recovery = Duration.ofNanos(System.nanoTime() - readyAt);
        System.out.printf("THREE-PROOFS | 200 again %d ms after A was ready again; circuit_open answered in %s%n",
                recovery.toMillis(), Outcomes.latencyAsBLogged(b.logLines("endpoint=/call-echo .*reason=circuit_open ")));
        assertThat(recovery).as("200 again after A was ready").isLessThan(Duration.ofSeconds(10));
    }
}
