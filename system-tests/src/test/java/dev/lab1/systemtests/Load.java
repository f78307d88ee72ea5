package dev.lab1.systemtests;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Traffic on one URL, recording every answer, until closed (and never past {@link #MAX_DURATION}).
 * Two shapes: {@link #start} is a few clients calling in a loop, each at most
 * {@code perClientRate} times a second (closed loop: a stall of B slows them down too);
 * {@link #atFixedRate} sends at a fixed rate whatever the answers take (open loop: a stall
 * piles calls up in flight, as real users' traffic does).
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
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean running = true;

    private Load() {
    }

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

    /** {@code requestsPerSecond} calls a second, each sent on schedule whether or not earlier ones were answered. */
    static Load atFixedRate(String url, int requestsPerSecond) {
        var load = new Load();
        long periodNanos = 1_000_000_000L / requestsPerSecond;
        Thread sender = new Thread(() -> {
            long first = System.nanoTime();
            long stopAt = first + MAX_DURATION.toNanos();
            for (long i = 0; load.running && System.nanoTime() < stopAt; i++) {
                LockSupport.parkNanos(first + i * periodNanos - System.nanoTime());
                long sentAt = System.nanoTime();
                // Tracked until its answer is recorded, so that close() returns with every answer in.
                CompletableFuture<?> recorded = Http.getAsync(url).thenAccept(answer ->
                        load.results.add(new Result(sentAt, answer.status(), answer.body(), answer.elapsed())));
                load.inFlight.add(recorded);
                recorded.whenComplete((done, e) -> load.inFlight.remove(recorded));
            }
        }, "load-fixed-rate");
        sender.setDaemon(true);
        sender.start();
        load.clients.add(sender);
        return load;
    }

    /** Calls sent and not yet answered (open loop only). */
    int inFlight() {
        return inFlight.size();
    }

    /** Answers recorded so far whose status is {@code status}. */
    long count(int status) {
        return results.stream().filter(r -> r.status() == status).count();
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

    /**
     * Stops sending and waits for the answers of the calls still in flight (each ends within Http's
     * timeout). Fails if a client is still sending, or a call still unanswered, after that: the
     * results would be missing calls, and the next test would share the machine with them.
     */
    @Override
    public void close() {
        running = false;
        Duration joinTimeout = Http.REQUEST_TIMEOUT.plusSeconds(5);
        for (Thread client : clients) {
            try {
                client.join(joinTimeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + client.getName() + " to stop", e);
            }
            if (client.isAlive()) {
                throw new AssertionError(client.getName() + " is still sending " + joinTimeout.toSeconds()
                        + " s after the load was closed: its last call has no answer");
            }
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new))
                    .orTimeout(joinTimeout.toSeconds(), TimeUnit.SECONDS).join();
        } catch (java.util.concurrent.CompletionException e) {
            throw new AssertionError(inFlight.size() + " calls still unanswered " + joinTimeout.toSeconds()
                    + " s after the load was closed", e);
        }
    }
}
