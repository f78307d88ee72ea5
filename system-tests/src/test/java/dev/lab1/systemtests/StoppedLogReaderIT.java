package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * B whose stdout is a pipe nobody reads (a log shipper that stopped): once the pipe and the logging
 * queue (8,192 lines) are full, every further line is dropped and counted, and B keeps answering.
 * 10,000 requests of /call-echo without msg (400 at once, one log line each, A never called) fill both.
 */
class StoppedLogReaderIT {

    private static final int REQUESTS = 10_000;
    private static final int CLIENTS = 8;

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void aStoppedLogReaderNeverStopsB() throws Exception {
        ServiceProcess b = processes.serviceBWithUnreadOutput("static://127.0.0.1:" + ProcessFixture.freePort());
        b.awaitReady(); // from cold: what is judged, every request answered, does not depend on B's speed
        var answered = new AtomicInteger();
        var firstFailure = new AtomicInteger(-1);
        long start = System.nanoTime();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                runs.add(clients.submit(() -> {
                    for (int i = 0; i < REQUESTS / CLIENTS && firstFailure.get() < 0; i++) {
                        var answer = b.get("/call-echo");
                        if (answer.status() == 400) {
                            answered.incrementAndGet();
                        } else {
                            firstFailure.compareAndSet(-1, answered.get());
                        }
                    }
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            clients.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        var health = b.get("/health");
        double dropped;
        try {
            dropped = Processes.metric(b.management("/actuator/prometheus").body(), "logback_events_dropped_total");
        } catch (AssertionError noSuchMetric) {
            dropped = Double.NaN;
        }
        System.out.printf("FAULT-MATRIX | B's stdout never read, %d requests that each log a line (StoppedLogReaderIT) | "
                        + "%d answered 400 in %s%s; /health %d in %s; %.0f log lines dropped and counted%n",
                REQUESTS, answered.get(), Outcomes.millis(took),
                firstFailure.get() < 0 ? "" : ", the first unanswered after " + firstFailure.get(),
                health.status(), Outcomes.millis(health.elapsed()), dropped);
        assertThat(firstFailure.get()).as("requests answered before the first one was not").isEqualTo(-1);
        assertThat(answered.get()).isEqualTo(REQUESTS);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.elapsed()).isLessThan(Duration.ofSeconds(2));
        assertThat(dropped).as("lines dropped, counted").isPositive();
    }
}
