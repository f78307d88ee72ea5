package dev.lab1.systemtests;

import static dev.lab1.systemtests.Outcomes.millis;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three replicas of A behind one B (static list), under a steady 200 requests/s: a replica that
 * dies, restarts or hangs costs no failed answer (docs/scaling.md). The processes are shared by the
 * class; each test starts from three replicas serving, all of them receiving calls. Each test prints
 * a REPLICAS line with what it measured.
 */
class ReplicasIT {

    /** 8 clients × 25 calls/s: a steady 200 requests/s, and never more than 8 calls in flight. */
    private static final int CLIENTS = 8;
    private static final int RATE_PER_CLIENT = 25;
    /** Calls sent after an event before it is judged: about 5 s of traffic at 200 requests/s. */
    private static final int CALLS_AFTER_EVENT = 1_000;
    /** Hang catchers, not performance claims: generous for a machine five times slower than ours. */
    private static final Duration LOAD_WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final ProcessFixture processes = new ProcessFixture();

    private static final List<ServiceProcess> replicas = new ArrayList<>();
    private static ServiceProcess b;

    @BeforeAll
    static void startThreeReplicasAndB() {
        for (int i = 0; i < 3; i++) {
            replicas.add(processes.serviceA());
        }
        b = processes.serviceB(replicas);
        replicas.forEach(ServiceProcess::awaitReady);
        // Warmed up on purpose, here and before each test: each test measures what one replica's
        // fault costs a running system; a cold start is HealthyPeerIT's subject.
        b.awaitReady().warmUp();
    }

    /** Whatever the last test left: every replica running, ready, and getting calls from B. */
    @BeforeEach
    void everyReplicaServing() {
        for (ServiceProcess replica : replicas) {
            if (!replica.isAlive()) {
                replica.restart();
            }
            replica.sigcont();
        }
        replicas.forEach(ServiceProcess::awaitReady);
        b.warmUp(); // on purpose, as in startThreeReplicasAndB: the last test may have restarted replicas
        for (ServiceProcess replica : replicas) {
            awaitCallsReach(replica);
        }
    }

    @Test
    void aReplicaKilledCostsNoFailedAnswer() {
        try (var load = Load.start(b.callEchoUrl("replicas"), CLIENTS, RATE_PER_CLIENT)) {
            awaitCalls(load, 0, 200);
            replicas.get(1).sigkill();
            long killedAt = System.nanoTime();
            awaitCalls(load, killedAt, CALLS_AFTER_EVENT);
            load.close();

            report("one replica of three killed (SIGKILL)", load, killedAt);
            assertThat(failed(load.results())).isEmpty();
        }
    }

    @Test
    void aRollingRestartCostsNoFailedAnswer() {
        try (var load = Load.start(b.callEchoUrl("replicas"), CLIENTS, RATE_PER_CLIENT)) {
            awaitCalls(load, 0, 200);
            long firstStop = System.nanoTime();
            for (ServiceProcess replica : replicas) {
                // SIGTERM: NOT_SERVING at once, the drain period, calls in flight finish, exit 0.
                assertThat(replica.stop()).as(replica + " exit code").isZero();
                replica.restart().awaitReady();
                awaitCallsReach(replica);
            }
            load.close();

            report("rolling restart of all three (SIGTERM, exit, start; one at a time)", load, firstStop);
            assertThat(failed(load.results())).isEmpty();
        }
    }

    @Test
    void aFrozenReplicaCostsAtMostTheCallsInFlight() {
        try (var load = Load.start(b.callEchoUrl("replicas"), CLIENTS, RATE_PER_CLIENT)) {
            awaitCalls(load, 0, 200);
            ServiceProcess frozen = replicas.get(2);
            frozen.sigstop();
            long stoppedAt = System.nanoTime();
            // 10 s frozen, counted in calls so that a slow machine still sends them all.
            awaitCalls(load, stoppedAt, 2 * CALLS_AFTER_EVENT);
            frozen.sigcont();
            load.close();

            report("one replica of three frozen (SIGSTOP) for ~10 s", load, stoppedAt);
            // The goal is none: hedging resends a call left unanswered to another replica. A call can
            // only fail if it was in flight on the replica as it froze and every resend found it too;
            // the load never has more than CLIENTS calls in flight.
            assertThat(failed(load.results())).hasSizeLessThanOrEqualTo(CLIENTS);
            assertThat(Outcomes.countByReason(failed(load.results())).keySet()).isSubsetOf("timeout");
        }
    }

    @Test
    void allReplicasDownAnswersAsOneADownAndRecoversWhenOneReturns() {
        try (var load = Load.start(b.callEchoUrl("replicas"), CLIENTS, RATE_PER_CLIENT)) {
            awaitCalls(load, 0, 200);
            replicas.forEach(ServiceProcess::sigkill);
            long killedAt = System.nanoTime();
            await().atMost(LOAD_WAIT).until(() -> load.anyAfter(killedAt, Load.Result::isCircuitOpen));
            long restartedAt = System.nanoTime();
            ServiceProcess back = replicas.get(0).restart().awaitReady();
            long backAt = System.nanoTime();
            await().atMost(LOAD_WAIT).until(() -> load.anyAfter(backAt, r -> r.status() == 200));
            load.close();

            // Until the replica is started again (from then on a call may find it as soon as it listens).
            var whileDown = load.results().stream()
                    .filter(r -> r.sentAtNanos() >= killedAt && r.sentAtNanos() < restartedAt).toList();
            assertThat(Outcomes.countByReason(whileDown).keySet()).containsOnly("unavailable", "circuit_open");
            Outcomes.assertBounded(load.results(), "ok", "unavailable", "circuit_open");
            Outcomes.assertFastAsBLogged(b.logLines("endpoint=/call-echo .*reason=circuit_open "));
            // As with one A: 200 again within the documented 10 s of a replica's return (at most one
            // 5 s breaker wait; measured 1.5 s).
            assertThat(load.firstOkAfter(backAt)).as("200 again after a replica was ready").isLessThan(Duration.ofSeconds(10));
            System.out.printf("REPLICAS | all three killed, then one started | %s | breaker open after %s | 200 again %s after %s was ready%n",
                    Outcomes.countByReason(load.sentAfter(killedAt)), millis(load.firstAfter(killedAt, Load.Result::isCircuitOpen)),
                    millis(load.firstOkAfter(backAt)), back);
        }
    }

    /**
     * This test's own B and fourth replica are closed at its end: the other tests see the class's
     * three replicas only.
     */
    @Test
    void aReplicaAddedToTheListGetsCallsOnceItIsUp() {
        int laterPort = ProcessFixture.freePort();
        long listBStartedAt = System.nanoTime();
        ServiceProcess listB = processes.serviceBCalling(
                ProcessFixture.staticAddress(replicas) + ",127.0.0.1:" + laterPort);
        ServiceProcess added = null;
        // Warmed up on purpose: the measure is how soon B finds a replica that appears, not B's start.
        listB.awaitReady().warmUp();
        try (var load = Load.start(listB.callEchoUrl("replicas"), CLIENTS, RATE_PER_CLIENT)) {
            awaitCalls(load, 0, 400);
            added = processes.serviceAOnPort(laterPort).awaitReady();
            long readyAt = System.nanoTime();
            // A logs its own warm-up calls as any call, before it is ready: B's first call is the first
            // ok line past the ones its warm-up answered (warm_up=done says how many).
            int warmUpOks = Integer.parseInt(added.awaitLogLine("warm_up=done").replaceAll(".*answered=(\\d+).*", "$1"));
            added.awaitLogLines("procedure=Echo status=ok", warmUpOks + 1);
            Duration firstCall = Duration.ofNanos(System.nanoTime() - readyAt);
            load.close();

            System.out.printf("REPLICAS | a fourth replica started under load (static list), %d s after B | %s | first call %s after it was ready%n",
                    Duration.ofNanos(readyAt - listBStartedAt).toSeconds(), Outcomes.countByReason(load.results()), millis(firstCall));
            assertThat(failed(load.results())).isEmpty();
            // B resets the backoff every 2 s (service-b.service-a.reconnect-interval): the replica is
            // found within 2 s of being ready, plus the connection and one call. 5 s leaves 3 s for a
            // starved machine. Without the reset, grpc-java's backoff for an address refused since B
            // started has grown to tens of seconds by now (1 s, x1.6 per attempt, up to 120 s).
            assertThat(firstCall).isLessThan(Duration.ofSeconds(5));
        } finally {
            listB.close();
            if (added != null) {
                added.close();
            }
        }
    }

    private static List<Load.Result> failed(List<Load.Result> results) {
        return results.stream().filter(r -> r.status() != 200).toList();
    }

    private static void awaitCalls(Load load, long afterNanos, int count) {
        await().atMost(LOAD_WAIT).until(() -> load.sentAfter(afterNanos).size() >= count);
    }

    /** Until {@code replica} has answered more calls than it had (B sends it calls again). */
    private static void awaitCallsReach(ServiceProcess replica) {
        long before = replica.countLogLines("procedure=Echo status=ok");
        await(replica + " gets calls from B").atMost(LOAD_WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    b.callEcho("spread");
                    return replica.countLogLines("procedure=Echo status=ok") > before;
                });
    }

    private static void report(String event, Load load, long eventAt) {
        var after = load.sentAfter(eventAt);
        var latencies = after.stream().map(Load.Result::elapsed).sorted(Comparator.naturalOrder()).toList();
        Duration p99 = latencies.isEmpty() ? Duration.ZERO : latencies.get((int) (latencies.size() * 0.99));
        System.out.printf("REPLICAS | %s | %d calls, %s | failed %d | p99 %s, worst %s after the event%n",
                event, load.results().size(), Outcomes.countByReason(load.results()), failed(load.results()).size(),
                millis(p99), millis(Load.worstLatency(after)));
    }
}
