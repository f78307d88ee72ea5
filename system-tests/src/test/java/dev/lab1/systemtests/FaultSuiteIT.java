package dev.lab1.systemtests;

import static dev.lab1.systemtests.Outcomes.assertBounded;
import static dev.lab1.systemtests.Outcomes.millis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import dev.lab1.proto.EchoRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Independent failure under real faults, one test per row of the fault matrix in
 * docs/reliability.md: both services are real processes, faults are real signals. Every test
 * checks each kind of answer against its own bound ({@link Outcomes}) and prints a FAULT-MATRIX
 * line with what it measured.
 *
 * <p>Warm-ups: the rows with a fault under load start both services and then warm B's path to A
 * ({@link #startBothWarm}) on purpose. Each row measures what a fault costs a running system (the
 * failed calls, the breaker's opening, the recovery after A is back), and a cold B's first calls
 * would mix start-up costs into those counts. Cold starts are measured on their own, with nothing
 * warmed up: {@code HealthyPeerIT}, and here {@link #aSlowWith200ConcurrentCalls} and
 * {@link #bStartedBeforeA}, which start cold by design.
 *
 * <p>Recovery bounds: docs/reliability.md promises 200 again within 10 s of A's return (at most one
 * breaker wait of 5 s, measured 0.65–5.3 s). 10 s is the documented figure; it already holds the
 * one extra open wait that a cold A's first trial call costs when it misses the limit.
 */
class FaultSuiteIT {

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    /** The documented recovery: 200 again within 10 s of A's return (docs/reliability.md). */
    private static final Duration RECOVERY = Duration.ofSeconds(10);
    /** A's drain on SIGTERM (service-a.shutdown.drain): NOT_SERVING, still serving, then stop. */
    private static final Duration DRAIN = Duration.ofSeconds(2);
    /** B's unreachable rule: this many failures in a row while its channel cannot connect open the breaker. */
    private static final int UNREACHABLE_FAILURES_TO_OPEN = 10;

    private ServiceProcess a;
    private ServiceProcess b;

    @Test
    void aKilledUnderLoad() {
        startBothWarm();
        try (var load = Load.start(b.callEchoUrl("fault"), 8, 50)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.results().stream().filter(r -> r.status() == 200).count() >= 50);
            a.sigkill();
            long killedAt = System.nanoTime(); // after the kill: every call sent from here on finds A gone
            await().atMost(Duration.ofSeconds(30)).until(() -> load.anyAfter(killedAt, Load.Result::isCircuitOpen));
            assertThat(b.get("/health").status()).isEqualTo(200);
            assertThat(b.management("/actuator/health").status()).isEqualTo(200);
            load.close();

            var afterKill = load.sentAfter(killedAt);
            assertThat(Outcomes.countByReason(afterKill).keySet()).isSubsetOf("unavailable", "circuit_open");
            // A call cut by the kill ("channel closed") is 503 unavailable too: never 502 error.
            assertBounded(load.results(), "ok", "unavailable", "circuit_open");
            var fastLines = b.logLines("endpoint=/call-echo .*reason=circuit_open ");
            Outcomes.assertFastAsBLogged(fastLines);
            // The breaker's unreachable rule (10 failures in a row with no connection to A) opens it
            // whatever the traffic or the machine's speed. Besides those 10, only calls in flight can
            // fail: each of the 8 clients has at most one call in flight when A dies (cut by the kill,
            // before the channel knows the connection is gone) and one when the breaker opens.
            // Measured 11-16; counting by that structure, not by a speed, keeps a starved machine in.
            long failed = load.results().stream().filter(r -> r.status() != 200 && !r.isCircuitOpen()).count();
            assertThat(failed).as("calls failed by the kill before the breaker opened")
                    .isLessThanOrEqualTo(UNREACHABLE_FAILURES_TO_OPEN + 2 * 8);
            report("A killed with SIGKILL under load", load.results(), failed + " failed calls, breaker open after "
                    + millis(load.firstAfter(killedAt, Load.Result::isCircuitOpen)) + "; circuit_open "
                    + Outcomes.latencyAsBLogged(fastLines));
        }
    }

    @Test
    void aStoppedThenContinued() {
        startBothWarm();
        try (var load = Load.start(b.callEchoUrl("fault"), 4, 20)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> load.anyAfter(0, r -> r.status() == 200));
            a.sigstop();
            long stoppedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.anyAfter(stoppedAt, Load.Result::isCircuitOpen));
            // The calls in flight when A stopped end at the time limit; the breaker then opens.
            assertThat(load.results()).anyMatch(r -> r.status() == 504);
            assertThat(b.get("/health").status()).isEqualTo(200);

            a.sigcont();
            long continuedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.anyAfter(continuedAt, r -> r.status() == 200));
            load.close();

            assertBounded(load.results(), "ok", "unavailable", "timeout", "circuit_open");
            var fastLines = b.logLines("endpoint=/call-echo .*reason=circuit_open ");
            Outcomes.assertFastAsBLogged(fastLines);
            Duration recovery = load.firstOkAfter(continuedAt);
            report("A stopped with SIGSTOP, then SIGCONT", load.results(),
                    "200 again " + millis(recovery) + " after SIGCONT; circuit_open " + Outcomes.latencyAsBLogged(fastLines));
            // A continued is A back: the next half-open trial (at most one 5 s wait away) finds it.
            assertThat(recovery).as("200 again after SIGCONT").isLessThan(RECOVERY);
        }
    }

    @Test
    void aDownSixtySecondsThenStarted() {
        startBothWarm();
        a.sigkill();
        try (var load = Load.start(b.callEchoUrl("fault"), 2, 5)) {
            // The outage itself: B stays healthy all along while its calls to A fail.
            await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> b.get("/health").status() == 200);
            a.restart();
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> Processes.listening(a.grpcPort()));
            long listeningAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.anyAfter(listeningAt, r -> r.status() == 200));
            load.close();

            // What this row protects: recovery within about one open wait (5 s) of A's return,
            // not at the next connect retry (up to 2 min after a long outage): the documented 10 s
            // (see the class comment), which a channel left to gRPC's backoff cannot meet.
            Duration recovery = load.firstOkAfter(listeningAt);
            assertThat(recovery).as("200 again after A listened").isLessThan(RECOVERY);
            assertBounded(load.results(), "ok", "unavailable", "timeout", "circuit_open");
            report("A down 60 s, then started", load.results(), "200 again " + millis(recovery) + " after A listened");
        }
    }

    @Test
    void aRestartedEveryFewSecondsUnderLoad() {
        startBothWarm();
        var recoveries = new ArrayList<String>();
        int kills = 0;
        try (var load = Load.start(b.callEchoUrl("fault"), 4, 20)) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long startedAt = System.nanoTime();
            for (int restart = 0; restart < 10 && System.nanoTime() < end; restart++) {
                // Recovery counted from the moment A listens (its start-up is the machine's, not B's).
                long from = restart == 0 ? startedAt : awaitListening();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.anyAfter(from, r -> r.status() == 200));
                Duration recovery = load.firstOkAfter(from);
                recoveries.add(millis(recovery));
                assertThat(recovery).as("200 again after restart %d's A listened", restart).isLessThan(RECOVERY);
                if (restart % 2 == 0) {
                    a.sigkill();
                    kills++;
                } else {
                    assertThat(a.stop()).as("A's exit code after SIGTERM").isZero();
                }
                a.restart();
            }
            long lastListening = awaitListening();
            await().atMost(Duration.ofSeconds(60)).until(() -> load.anyAfter(lastListening, r -> r.status() == 200));
            Duration lastRecovery = load.firstOkAfter(lastListening);
            recoveries.add(millis(lastRecovery));
            assertThat(lastRecovery).as("200 again after the last A listened").isLessThan(RECOVERY);
            load.close();

            assertBounded(load.results(), "ok", "unavailable", "timeout", "circuit_open");
            report("A restarted every few seconds under 30 s of load", load.results(),
                    kills + " SIGKILLs; 200 again after (from A listening; the first from the test's start) " + recoveries);
        }
    }

    @Test
    void aSlowWith200ConcurrentCalls() {
        // No warm-up: every call to this A times out, and the timeouts would open the breaker
        // before the test begins. The per-outcome bounds leave room for B's cold first calls.
        a = processes.serviceA("--delay=5");
        b = processes.serviceB(a);
        a.awaitReady();
        b.awaitReady();
        int threadsBefore = Processes.threads(a.pid());

        long sentAt = System.nanoTime();
        List<CompletableFuture<Http.Answer>> calls = IntStream.range(0, 200)
                .mapToObj(i -> Http.getAsync(b.callEchoUrl("fault"))).toList();
        var healthLatencies = new ArrayList<Duration>();
        while (!CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).isDone()
                && healthLatencies.size() < 100) {
            healthLatencies.add(b.get("/health").elapsed());
        }
        List<Http.Answer> answers = calls.stream().map(CompletableFuture::join).toList();

        var results = answers.stream().map(answer -> new Load.Result(0, answer.status(), answer.body(), answer.elapsed())).toList();
        // 64 calls (the bulkhead) wait for A and time out; the rest are refused at once as busy
        // (or circuit_open once the timeouts have opened the breaker). Every call gets an answer.
        assertThat(Outcomes.countByReason(results)).containsKeys("timeout", "busy");
        assertThat(Outcomes.countByReason(results).keySet()).isSubsetOf("timeout", "busy", "circuit_open");
        // Bounded as B measured them: the client's clock here also counts 200 connections opened
        // at once, which wait in B's accept queue on a loaded machine (0.6 s seen).
        Outcomes.assertBoundedAsBLogged(b.awaitLogLines("endpoint=/call-echo", answers.size()), "timeout", "busy", "circuit_open");
        // And busy/circuit_open at the documented under-1 ms for the median (B's own clock).
        Outcomes.assertFastAsBLogged(b.logLines("endpoint=/call-echo .*reason=(busy|circuit_open) "));
        // /health answers all along (a hang catcher: it takes ~1 ms, but its client shares the
        // connection storm above; 1.15 s was seen at a load average of 15 on 2 cores). Its typical
        // latency under load is a benchmark figure (docs/benchmarks.md), not a test bound.
        Duration worstHealth = healthLatencies.stream().max(Duration::compareTo).orElseThrow();
        assertThat(worstHealth).isLessThan(Outcomes.CALL_BOUND);
        // A lets go of every call whose caller gave up: nothing left waiting, threads back down.
        // Before its 5 s delay has run out for any call: the calls were all sent at sentAt and
        // reached A after that, so without A's cancel handler their replies stay scheduled until
        // sentAt + 5 s. With it they go at B's deadline (1 s after each reached A, all answered
        // within the 3 s of CALL_BOUND); 4.5 s leaves 0.5 s before the first reply could fire.
        Duration noneLeftBy = Duration.ofMillis(4500).minusNanos(System.nanoTime() - sentAt);
        assertThat(noneLeftBy).as("time left to see A drop the abandoned replies").isPositive();
        await().atMost(noneLeftBy).pollInterval(Duration.ofMillis(50)).until(() ->
                Processes.metric(a.management("/actuator/prometheus").body(), "echo_delayed_replies") == 0);
        Duration droppedAfter = Duration.ofNanos(System.nanoTime() - sentAt);
        int threadsAfter = Processes.threads(a.pid());
        assertThat(threadsAfter).isLessThanOrEqualTo(threadsBefore + 16);

        System.out.printf("FAULT-MATRIX | A slow (--delay=5), 200 concurrent calls | %s | worst %s | "
                        + "/health worst %s over %d probes; A threads %d before, %d after; no delayed reply left at A %s "
                        + "after the calls were sent; busy/circuit_open %s%n",
                Outcomes.countByReason(results), millis(Load.worstLatency(results)), millis(worstHealth),
                healthLatencies.size(), threadsBefore, threadsAfter, millis(droppedAfter),
                Outcomes.latencyAsBLogged(b.logLines("endpoint=/call-echo .*reason=(busy|circuit_open) ")));
    }

    @Test
    void sigtermToAWithCallsInFlight() {
        List<CompletableFuture<Http.Answer>> inFlight = tenCallsHeldByA();
        int exit = a.stop();

        List<Http.Answer> answers = inFlight.stream().map(CompletableFuture::join).toList();
        var after = b.callEcho("fault");

        assertThat(answers).extracting(Http.Answer::status).containsOnly(200);
        assertThat(exit).isZero();
        assertThat(after.status()).isEqualTo(503);
        assertThat(after.body()).contains("\"unavailable\"");
        System.out.printf("FAULT-MATRIX | SIGTERM to A with calls in flight | all %d in-flight calls 200, "
                + "then %d %s | A exit code 0%n", answers.size(), after.status(), after.body());
    }

    /**
     * The drain (docs/reliability.md, "Graceful shutdown"): on SIGTERM, A reports NOT_SERVING on
     * grpc.health.v1 (what B's health watch reads) and OUT_OF_SERVICE on readiness at once, answers
     * Echo on for {@code service-a.shutdown.drain} (2 s) while its clients move away, and only then
     * stops taking calls. Asked of A directly, so that what is timed is A's shutdown, not B's.
     */
    @Test
    void sigtermToAReportsNotServingThenDrainsBeforeItStopsTakingCalls() throws Exception {
        a = processes.serviceA();
        a.awaitReady();
        try (var peer = new GrpcPeer(a.grpcPort())) {
            // The connection made and A's Echo path loaded before the signal: not part of what is timed.
            peer.serviceA(30_000).echo(EchoRequest.newBuilder().setMsg("before").build());
            peer.whenStatus(ServingStatus.SERVING).get(10, TimeUnit.SECONDS);
            var notServing = peer.whenStatus(ServingStatus.NOT_SERVING);

            long signalledAt = System.nanoTime(); // before: A may react before the kill command returns
            a.sigterm();
            // At the latest, the watch ends when A has gone.
            long notServingAt = notServing.get(ServiceProcess.EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            int readiness = a.management("/actuator/health/readiness").status();
            // Echo calls one after another until the first one A does not answer.
            var answered = new AtomicInteger();
            var refusal = new AtomicReference<Status.Code>();
            await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20)).until(() -> {
                try {
                    peer.serviceA(1000).echo(EchoRequest.newBuilder().setMsg("draining").build());
                    answered.incrementAndGet();
                    return false;
                } catch (StatusRuntimeException stopped) {
                    refusal.set(stopped.getStatus().getCode());
                    return true;
                }
            });
            Duration notServingAfter = Duration.ofNanos(notServingAt - signalledAt);
            Duration servedFor = Duration.ofNanos(System.nanoTime() - notServingAt);
            int exit = a.waitForExit(ServiceProcess.EXIT_TIMEOUT);
            Duration exitedAfter = Duration.ofNanos(System.nanoTime() - signalledAt);
            System.out.printf("FAULT-MATRIX | SIGTERM to A, drain | NOT_SERVING %s after the signal, readiness %d; "
                            + "then %d Echo calls answered for %s, the next one %s | A exit code %d, %s after the signal%n",
                    millis(notServingAfter), readiness, answered.get(), millis(servedFor), refusal.get(), exit, millis(exitedAfter));

            // Calls are taken until the drain is over. Its start is when the watch's NOT_SERVING arrived,
            // its end when a refused call (sent every 20 ms) came back: a tenth of the drain for those
            // hand-offs on a starved machine.
            assertThat(servedFor).as("Echo answered after NOT_SERVING").isGreaterThanOrEqualTo(DRAIN.minus(DRAIN.dividedBy(10)));
            // "At once": within a tenth of the drain (the kill command's start included), whose rest is
            // the clients' time to move away.
            assertThat(notServingAfter).as("NOT_SERVING after SIGTERM").isLessThan(DRAIN.dividedBy(10));
            assertThat(readiness).as("readiness while NOT_SERVING").isEqualTo(503);
            assertThat(exit).isZero();
        }
    }

    @Test
    void sigtermToBWithCallsInFlight() {
        List<CompletableFuture<Http.Answer>> inFlight = tenCallsHeldByA();
        int exit = b.stop();

        List<Http.Answer> answers = inFlight.stream().map(CompletableFuture::join).toList();

        assertThat(answers).extracting(Http.Answer::status).containsOnly(200);
        assertThat(exit).isZero();
        assertThat(b.get("/health").answered()).isFalse();
        System.out.printf("FAULT-MATRIX | SIGTERM to B with calls in flight | %d in-flight calls, all 200 | B exit code %d%n",
                answers.size(), exit);
    }

    @Test
    void bStartedBeforeA() {
        int aGrpcPort = ProcessFixture.freePort();
        b = processes.serviceBCalling("static://127.0.0.1:" + aGrpcPort).awaitReady();
        var before = new ArrayList<Http.Answer>();
        before.add(b.callEcho("fault"));
        // 503 unavailable; or 504 when this first, cold call (class loading, the first connection
        // attempt) misses the limit on a loaded machine: either way a clear failure, at once.
        assertThat(before.get(0).status()).isIn(503, 504);

        a = processes.serviceAOnPort(aGrpcPort);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> Processes.listening(aGrpcPort));
        long listeningAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var answer = b.callEcho("fault");
            before.add(answer);
            return answer.status() == 200;
        });
        Duration recovery = Duration.ofNanos(System.nanoTime() - listeningAt);
        // B's connect backoff is short this early, and a call that finds no connection waits for
        // one: B finds A well within the documented 10 s (see the class comment).
        assertThat(recovery).as("200 again after A listened").isLessThan(RECOVERY);
        assertThat(before).extracting(Http.Answer::status).isSubsetOf(200, 503, 504).contains(200);

        // And B restarted while A is up: it starts with a closed breaker and no memory of A's
        // absence, so its first call is a real call to A (200, or 504 if that cold call misses
        // the limit on a slow machine), never an unavailable or circuit_open.
        assertThat(b.stop()).as("B's exit code after SIGTERM").isZero();
        b.restart().awaitReady();
        var first = b.callEcho("fault");
        assertThat(first.status()).as(first.body()).isIn(200, 504);
        b.warmUp(1); // not a warm-up before a measure: B then answers 200, whatever its cold first call did

        System.out.printf("FAULT-MATRIX | B started before A | %s | 200 again %s after A listened; "
                + "B restarted with A up: first answer %d%n", statusCounts(before), millis(recovery), first.status());
    }

    /**
     * Ten calls through B that A is holding right now, all of them. A holds each for 3 s; B's
     * limit is raised to 10 s for this so that waiting for all ten to arrive never races the
     * limit (the row is about shutdown, not about time limits).
     */
    private List<CompletableFuture<Http.Answer>> tenCallsHeldByA() {
        a = processes.serviceA("--delay=3");
        b = processes.serviceB(a, "--resilience4j.timelimiter.configs.default.timeout-duration=10s");
        a.awaitReady();
        // One call through first (3 s): B's connection to A and its class loading, before the
        // calls that are counted.
        b.awaitReady().warmUp(1);
        List<CompletableFuture<Http.Answer>> inFlight = IntStream.range(0, 10)
                .mapToObj(i -> Http.getAsync(b.callEchoUrl("fault"))).toList();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                Processes.metric(a.management("/actuator/prometheus").body(), "echo_delayed_replies") == 10);
        return inFlight;
    }

    /** After a restart of A: waits until its gRPC port accepts connections, and returns that moment. */
    private long awaitListening() {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50)).until(() -> Processes.listening(a.grpcPort()));
        return System.nanoTime();
    }

    /** Warmed up on purpose: the rows that use it measure a fault's cost to running services (class comment). */
    private void startBothWarm() {
        a = processes.serviceA();
        b = processes.serviceB(a);
        a.awaitReady();
        b.awaitReady().warmUp();
    }

    private static void report(String fault, List<Load.Result> results, String recovery) {
        System.out.printf("FAULT-MATRIX | %s | %s | worst %s | %s%n",
                fault, Outcomes.countByReason(results), millis(Load.worstLatency(results)), recovery);
    }

    private static java.util.Map<Integer, Long> statusCounts(List<Http.Answer> answers) {
        var counts = new TreeMap<Integer, Long>();
        answers.forEach(answer -> counts.merge(answer.status(), 1L, Long::sum));
        return counts;
    }
}
