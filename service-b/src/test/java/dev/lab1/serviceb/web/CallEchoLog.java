package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.test.system.CapturedOutput;

/**
 * B's own measure of its /call-echo answers, the {@code latency_ms} of its log lines (whole
 * milliseconds, truncated), as a test captured them: the client's clock would also count the test's
 * HTTP client and the machine's noise. The same reading as system-tests' {@code Outcomes} does of a
 * process's log; not shared through a module, for the reason {@link dev.lab1.serviceb.Http} gives.
 */
final class CallEchoLog {

    private static final Pattern LINE = Pattern.compile("service=B endpoint=/call-echo .*reason=([a-z_]+) .*latency_ms=(\\d+)");

    private CallEchoLog() {
    }

    /** The latency_ms of the last {@code count} captured /call-echo lines with this reason (failing if fewer). */
    static List<Long> lastLatencies(CapturedOutput output, String reason, int count) {
        List<Long> all = output.getOut().lines().map(LINE::matcher).filter(Matcher::find)
                .filter(line -> line.group(1).equals(reason)).map(line -> Long.parseLong(line.group(2))).toList();
        assertThat(all).as("B's /call-echo lines with reason=%s", reason).hasSizeGreaterThanOrEqualTo(count);
        return all.subList(all.size() - count, all.size());
    }

    /**
     * Answers B gives without calling A (circuit_open, busy) come at once: docs/reliability.md says
     * under a millisecond, held for the median (logged 0); none may take {@code timeLimit}, as an
     * answer that waited for A, or for a bulkhead slot to free, would. One answer may lose the CPU to
     * a GC pause or another process on a loaded machine, hence the median.
     */
    static void assertAtOnce(List<Long> latencies, Duration timeLimit) {
        List<Long> sorted = latencies.stream().sorted().toList();
        assertThat(sorted.get((sorted.size() - 1) / 2)).as("median latency_ms of %s", sorted).isZero();
        assertThat(sorted.get(sorted.size() - 1)).as("worst latency_ms of %s", sorted).isLessThan(timeLimit.toMillis());
    }
}
