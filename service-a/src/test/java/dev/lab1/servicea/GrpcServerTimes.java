package dev.lab1.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * A's own time for its gRPC calls: the {@code grpc.server} timer of its metrics interceptor (exported
 * as {@code grpc_server_seconds}), read around one call at a time, so that the difference is that
 * call's time. The client's clock would add the client's stack and the machine's noise.
 */
final class GrpcServerTimes {

    private GrpcServerTimes() {
    }

    /** Runs {@code call}, one call of {@code method} that A ends with {@code status}, and returns A's time for it. */
    static Duration timeOf(MeterRegistry meters, String method, Status.Code status, Runnable call) {
        long countBefore = count(meters, method, status);
        double nanosBefore = nanos(meters, method, status);
        call.run();
        // A records the call as it closes it, which the client may see first.
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> count(meters, method, status) == countBefore + 1);
        return Duration.ofNanos((long) (nanos(meters, method, status) - nanosBefore));
    }

    /**
     * A refusal comes at once (docs: "RESOURCE_EXHAUSTED at once"): the median of A's times under
     * {@code medianUnder}, none as long as {@code waitingWouldTake}, what a refusal that waited (for a
     * permit, for its request) would take. The median, because one call may lose the CPU to a GC
     * pause or another process on a loaded machine. On A's clock any call costs a few milliseconds in
     * a test JVM (its tracing and metrics; HealthCheck: 2-17 ms on the loaded 2-core machine), so
     * "under a millisecond", B's figure for its own refusals, is not A's.
     */
    static void assertAtOnce(List<Duration> times, Duration medianUnder, Duration waitingWouldTake) {
        List<Duration> sorted = times.stream().sorted().toList();
        assertThat(sorted.get((sorted.size() - 1) / 2)).as("median of A's times %s", sorted).isLessThan(medianUnder);
        assertThat(sorted.get(sorted.size() - 1)).as("worst of A's times %s", sorted).isLessThan(waitingWouldTake);
    }

    private static long count(MeterRegistry meters, String method, Status.Code status) {
        Timer timer = timer(meters, method, status);
        return timer == null ? 0 : timer.count();
    }

    private static double nanos(MeterRegistry meters, String method, Status.Code status) {
        Timer timer = timer(meters, method, status);
        return timer == null ? 0 : timer.totalTime(TimeUnit.NANOSECONDS);
    }

    private static Timer timer(MeterRegistry meters, String method, Status.Code status) {
        return meters.find("grpc.server").tag("rpc.method", method).tag("grpc.status_code", status.name()).timer();
    }
}
