package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What B's answers may look like under a fault, each outcome with a bound of its own rather than
 * one bound for the worst of thousands of requests. The bounds catch a wrong kind of waiting (a
 * fast failure that waited for A, a timeout that waited for A's pace, a hang), not a slow
 * machine: each has room for one five times slower than a developer's laptop.
 */
final class Outcomes {

    /** B's default time limit of a call to A (resilience4j.timelimiter...timeout-duration). */
    static final Duration LIMIT = Duration.ofSeconds(1);
    /**
     * Any answer that may involve a call to A (200, 504 timeout, 503 unavailable): B ends every
     * call at the time limit, so more than this is B waiting on something it should not.
     */
    static final Duration CALL_BOUND = LIMIT.plusSeconds(2);
    /**
     * 503 circuit_open and busy never touch A, so they come before the time limit, which a call
     * that waited for A would take in full. Measured at the client, so it includes the client's
     * side too (200 new connections to a cold B took 0.6 s on a loaded 2-core machine): a hang
     * catcher only. The documented figure (under 1 ms) is checked on B's own measure,
     * {@link #assertFastAsBLogged}.
     */
    static final Duration FAST_BOUND = LIMIT;
    /**
     * Any single circuit_open or busy answer as B logged it ({@code latency_ms}): docs/reliability.md
     * says under a millisecond, which {@link #assertFastAsBLogged} holds for the median. One answer
     * may lose the CPU to a GC pause or to the other threads of a 2-core machine: 200 requests met
     * at once by a cold B (FaultSuiteIT#aSlowWith200ConcurrentCalls) gave a median of 0 ms and a
     * worst of 128 ms; a running B under load, a worst of 13 ms. 300 ms still sits under the
     * shortest wait on A's path (a call that finds no connection waits up to
     * service-b.service-a.connect-wait, 500 ms) and at under a third of the time limit, which a
     * busy that waited for the bulkhead to free a slot would take in full.
     */
    static final Duration FAST_BOUND_AS_B_LOGGED = Duration.ofMillis(300);
    /** A 504 is B's deadline firing: never before it (minus timer granularity). */
    static final Duration TIMEOUT_AT_LEAST = LIMIT.minusMillis(50);

    private static final Pattern REASON = Pattern.compile("\"service_a\":\"([a-z_]+)\"");
    private static final Pattern B_LINE = Pattern.compile("endpoint=/call-echo .*reason=([a-z_]+) .*latency_ms=(\\d+)");

    private Outcomes() {
    }

    /** 200 → "ok"; otherwise the reason in B's body ("unavailable", "circuit_open", ...), or the status. */
    static String reason(int status, String body) {
        if (status == 200) {
            return "ok";
        }
        var matcher = REASON.matcher(body == null ? "" : body);
        return matcher.find() ? matcher.group(1) : "http_" + status;
    }

    static String reason(Load.Result result) {
        return reason(result.status(), result.body());
    }

    /** Counts by reason, for the FAULT-MATRIX lines and for failure messages. */
    static Map<String, Long> countByReason(List<Load.Result> results) {
        var counts = new TreeMap<String, Long>();
        results.forEach(r -> counts.merge(reason(r), 1L, Long::sum));
        return counts;
    }

    /**
     * Every answer is one of {@code allowedReasons} ("ok", "unavailable", "timeout", "circuit_open",
     * "busy"), and within the bound of its kind, as the client measured it; no 500, no missing answer.
     */
    static void assertBounded(List<Load.Result> results, String... allowedReasons) {
        assertThat(countByReason(results).keySet()).as("answers by reason; a missing answer (http_0): %s",
                results.stream().filter(r -> r.status() == 0).map(Load.Result::body).findFirst().orElse("none"))
                .isSubsetOf(allowedReasons);
        results.forEach(result -> assertWithinBound(reason(result), result.elapsed()));
    }

    /**
     * The same bounds on B's own measure, the {@code latency_ms} of its log lines for
     * {@code /call-echo}: for tests whose client clock would also count what happens before B
     * sees the request (hundreds of connections opened at once wait in the accept queue).
     */
    static void assertBoundedAsBLogged(List<String> bLogLines, String... allowedReasons) {
        var counts = new TreeMap<String, Long>();
        for (String line : bLogLines) {
            var matcher = B_LINE.matcher(line);
            assertThat(matcher.find()).as("B's /call-echo line: %s", line).isTrue();
            counts.merge(matcher.group(1), 1L, Long::sum);
            assertWithinBound(matcher.group(1), Duration.ofMillis(Long.parseLong(matcher.group(2))), FAST_BOUND_AS_B_LOGGED);
        }
        assertThat(counts.keySet()).as("B's lines by reason").isSubsetOf(allowedReasons);
    }

    /**
     * B's own {@code latency_ms} for its circuit_open and busy answers ({@code bLogLines}: its
     * /call-echo lines of those reasons, at least one): the median under 1 ms as documented (B logs
     * whole milliseconds, truncated: "0"), every one under {@link #FAST_BOUND_AS_B_LOGGED}.
     */
    static void assertFastAsBLogged(List<String> bLogLines) {
        assertThat(bLogLines).as("B's circuit_open/busy lines").isNotEmpty();
        var latencies = bLogLines.stream().map(line -> {
            var matcher = B_LINE.matcher(line);
            assertThat(matcher.find()).as("B's /call-echo line: %s", line).isTrue();
            assertThat(matcher.group(1)).as(line).isIn("circuit_open", "busy");
            return Long.parseLong(matcher.group(2));
        }).sorted().toList();
        assertThat(latencies.get((latencies.size() - 1) / 2)).as("median latency_ms of %d circuit_open/busy answers (all: %s)",
                latencies.size(), latencies).isZero();
        assertThat(latencies.get(latencies.size() - 1)).as("worst latency_ms of circuit_open/busy answers")
                .isLessThan(FAST_BOUND_AS_B_LOGGED.toMillis());
    }

    /** The median and worst {@code latency_ms} of B's lines, for the FAULT-MATRIX lines. */
    static String latencyAsBLogged(List<String> bLogLines) {
        var latencies = bLogLines.stream().map(B_LINE::matcher).filter(java.util.regex.Matcher::find)
                .map(m -> Long.parseLong(m.group(2))).sorted().toList();
        return latencies.isEmpty() ? "none" : "B's latency_ms median " + latencies.get((latencies.size() - 1) / 2)
                + ", worst " + latencies.get(latencies.size() - 1) + " over " + latencies.size();
    }

    private static void assertWithinBound(String reason, Duration elapsed) {
        assertWithinBound(reason, elapsed, FAST_BOUND);
    }

    private static void assertWithinBound(String reason, Duration elapsed, Duration fastBound) {
        var check = assertThat(elapsed).as("%s answered after %s", reason, elapsed);
        switch (reason) {
            case "circuit_open", "busy" -> check.isLessThan(fastBound);
            case "timeout" -> check.isBetween(TIMEOUT_AT_LEAST, CALL_BOUND);
            default -> check.isLessThanOrEqualTo(CALL_BOUND);
        }
    }

    static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }
}
