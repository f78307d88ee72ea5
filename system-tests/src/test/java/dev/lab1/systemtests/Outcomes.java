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
     * 503 circuit_open and busy never touch A: anything near the time limit would mean they did.
     */
    static final Duration FAST_BOUND = LIMIT.dividedBy(2);
    /** A 504 is B's deadline firing: never before it (minus timer granularity). */
    static final Duration TIMEOUT_AT_LEAST = LIMIT.minusMillis(50);

    private static final Pattern REASON = Pattern.compile("\"service_a\":\"([a-z_]+)\"");

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
     * "busy"), and within the bound of its kind; no 500, no missing answer.
     */
    static void assertBounded(List<Load.Result> results, String... allowedReasons) {
        assertThat(countByReason(results).keySet()).as("answers by reason").isSubsetOf(allowedReasons);
        for (Load.Result result : results) {
            String reason = reason(result);
            var elapsed = assertThat(result.elapsed()).as("%s answered after %s", reason, result.elapsed());
            switch (reason) {
                case "circuit_open", "busy" -> elapsed.isLessThanOrEqualTo(FAST_BOUND);
                case "timeout" -> elapsed.isBetween(TIMEOUT_AT_LEAST, CALL_BOUND);
                default -> elapsed.isLessThanOrEqualTo(CALL_BOUND);
            }
        }
    }

    static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }
}
