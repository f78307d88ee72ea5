package dev.lab1.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A few clients calling one URL in a loop, each at most {@code perClientRate} times a second,
 * recording every answer, until closed (and never past {@link #MAX_DURATION}).
 */
final class Load implements AutoCloseable {

    static final Duration MAX_DURATION = Duration.ofMinutes(3);

    record Result(long sentAtNanos, int status, String body, Duration elapsed) {
        boolean isCircuitOpen() {
            return status == 503 && body.contains("circuit_open");
        }
    }

    private final ConcurrentLinkedQueue<Result> results = new ConcurrentLinkedQueue<>();
    private final List<Thread> clients = new ArrayList<>();
    private volatile boolean running = true;

    private Load(String url, int clientCount, int perClientRate) {
        long stopAt = System.nanoTime() + MAX_DURATION.toNanos();
        long pacingNanos = 1_000_000_000L / perClientRate;
        for (int i = 0; i < clientCount; i++) {
            Thread client = new Thread(() -> {
                while (running && System.nanoTime() < stopAt) {
                    long sentAt = System.nanoTime();
                    var answer = Http.get(url);
                    results.add(new Result(sentAt, answer.status(), answer.body(), answer.elapsed()));
                    long next = sentAt + pacingNanos;
                    // Pacing, not synchronisation: keeps the load from starving the processes under test.
                    LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
                }
            }, "load-" + i);
            client.setDaemon(true);
            client.start();
            clients.add(client);
        }
    }

    static Load start(String url, int clients, int perClientRate) {
        return new Load(url, clients, perClientRate);
    }

    List<Result> results() {
        return List.copyOf(results);
    }

    List<Result> sentAfter(long nanos) {
        return results.stream().filter(r -> r.sentAtNanos() >= nanos).toList();
    }

    boolean anyAfter(long nanos, Predicate<Result> condition) {
        return results.stream().anyMatch(r -> r.sentAtNanos() >= nanos && condition.test(r));
    }

    /** Time from {@code nanos} to the answer of the first call sent after it that meets the condition. */
    Duration firstAfter(long nanos, Predicate<Result> condition) {
        return results.stream().filter(r -> r.sentAtNanos() >= nanos && condition.test(r))
                .map(r -> Duration.ofNanos(r.sentAtNanos() + r.elapsed().toNanos() - nanos))
                .min(Duration::compareTo).orElseThrow(() -> new AssertionError("no such answer after the mark"));
    }

    /** Time from {@code nanos} to the first 200 sent after it. */
    Duration firstOkAfter(long nanos) {
        return firstAfter(nanos, r -> r.status() == 200);
    }

    static Map<Integer, Long> statusCounts(List<Result> results) {
        var counts = new TreeMap<Integer, Long>();
        results.forEach(r -> counts.merge(r.status(), 1L, Long::sum));
        return counts;
    }

    static Duration worstLatency(List<Result> results) {
        return results.stream().map(Result::elapsed).max(Duration::compareTo).orElse(Duration.ZERO);
    }

    @Override
    public void close() {
        running = false;
        for (Thread client : clients) {
            try {
                client.join(Duration.ofSeconds(15).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
