package dev.lab1.systemtests;

import static dev.lab1.systemtests.ServiceProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Independent failure under real faults, one test per row of the fault matrix in
 * docs/reliability.md: both services are real processes, faults are real signals. Every test
 * checks that no answer was a 500 or took longer than the time limit + 0.5 s, and prints a
 * FAULT-MATRIX line with what it measured.
 */
class FaultSuiteIT {

    /** B's default time limit, and the bound every answer must meet. */
    private static final Duration LIMIT = Duration.ofSeconds(1);
    private static final Duration BOUND = LIMIT.plusMillis(500);

    private final int aGrpcPort = freePort();
    private final int aHttpPort = freePort();
    private final int bPort = freePort();
    private final List<ServiceProcess> started = new ArrayList<>();
    private ServiceProcess a;
    private ServiceProcess b;

    @AfterEach
    void stopEverything() {
        started.forEach(ServiceProcess::close);
    }

    @Test
    void aKilledUnderLoad() {
        startBoth();
        try (var load = Load.start(callEcho(), 8, 50)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.results().stream().filter(r -> r.status() == 200).count() >= 50);
            long killedAt = System.nanoTime();
            a.sigkill();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.anyAfter(killedAt, Load.Result::isCircuitOpen));
            assertThat(Http.get(b("/health")).status()).isEqualTo(200);
            assertThat(Http.get(b("/actuator/health")).status()).isEqualTo(200);
            load.close();

            var afterKill = load.sentAfter(killedAt);
            assertThat(Load.statusCounts(afterKill).keySet()).containsOnly(503);
            assertBounded(load.results(), 200, 503);
            report("A killed with SIGKILL under load", load.results(), "breaker open after "
                    + millis(load.firstAfter(killedAt, Load.Result::isCircuitOpen)));
        }
    }

    @Test
    void aStoppedThenContinued() {
        startBoth();
        try (var load = Load.start(callEcho(), 4, 20)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.anyAfter(0, r -> r.status() == 200));
            long stoppedAt = System.nanoTime();
            a.sigstop();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.anyAfter(stoppedAt, Load.Result::isCircuitOpen));
            // The calls in flight when A stopped end at the time limit; the breaker then opens.
            assertThat(load.results()).anyMatch(r -> r.status() == 504);
            assertThat(Http.get(b("/health")).status()).isEqualTo(200);

            long continuedAt = System.nanoTime();
            a.sigcont();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.anyAfter(continuedAt, r -> r.status() == 200));
            load.close();

            assertBounded(load.results(), 200, 503, 504);
            report("A stopped with SIGSTOP, then SIGCONT", load.results(),
                    "200 again " + millis(load.firstOkAfter(continuedAt)) + " after SIGCONT");
        }
    }

    @Test
    void aDownSixtySecondsThenStarted() {
        startBoth();
        a.sigkill();
        try (var load = Load.start(callEcho(), 2, 5)) {
            // The outage itself: B stays healthy all along while its calls to A fail.
            await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(65)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Http.get(b("/health")).status() == 200);
            a = startA();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> Processes.listening(aGrpcPort));
            long listeningAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> load.anyAfter(listeningAt, r -> r.status() == 200));
            load.close();

            Duration recovery = load.firstOkAfter(listeningAt);
            assertThat(recovery).isLessThan(Duration.ofSeconds(10));
            assertBounded(load.results(), 200, 503);
            report("A down 60 s, then started", load.results(), "200 again " + millis(recovery) + " after A listened");
        }
    }

    @Test
    void aRestartedEveryFewSecondsUnderLoad() {
        startBoth();
        var recoveries = new ArrayList<String>();
        try (var load = Load.start(callEcho(), 4, 20)) {
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int restart = 0; restart < 10 && System.nanoTime() < end; restart++) {
                long startedAt = System.nanoTime();
                await().atMost(Duration.ofSeconds(20)).until(() -> load.anyAfter(startedAt, r -> r.status() == 200));
                recoveries.add(millis(load.firstOkAfter(startedAt)));
                if (restart % 2 == 0) {
                    a.sigkill();
                } else {
                    a.sigterm();
                    assertThat(a.waitForExit(Duration.ofSeconds(20))).isZero();
                }
                a = startA();
            }
            long lastStart = System.nanoTime();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.anyAfter(lastStart, r -> r.status() == 200));
            load.close();

            assertBounded(load.results(), 200, 503, 504);
            report("A restarted every few seconds under 30 s of load", load.results(),
                    recoveries.size() + " restarts; 200 again after (from A's start) " + recoveries);
        }
    }

    @Test
    void aSlowWith200ConcurrentCalls() throws Exception {
        a = startA("--delay=5");
        b = startB();
        a.awaitReady();
        b.awaitReady();
        int threadsBefore = Processes.threads(a.pid());

        var client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<Http.Answer>> calls = IntStream.range(0, 200)
                .mapToObj(i -> timedAsync(client, callEcho())).toList();
        var healthLatencies = new ArrayList<Duration>();
        while (!CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).isDone()
                && healthLatencies.size() < 100) {
            healthLatencies.add(Http.get(b("/health")).elapsed());
        }
        List<Http.Answer> answers = calls.stream().map(CompletableFuture::join).toList();

        var statuses = answers.stream().map(Http.Answer::status).toList();
        assertThat(statuses).containsOnly(503, 504).contains(504);
        assertThat(answers).filteredOn(answer -> answer.body().contains("\"busy\"")).isNotEmpty();
        Duration worst = answers.stream().map(Http.Answer::elapsed).max(Duration::compareTo).orElseThrow();
        assertThat(worst).isLessThanOrEqualTo(BOUND);
        Duration worstHealth = healthLatencies.stream().max(Duration::compareTo).orElseThrow();
        assertThat(worstHealth).isLessThan(Duration.ofMillis(500));
        // A lets go of every call whose caller gave up: nothing left waiting, threads back down.
        await().atMost(Duration.ofSeconds(3)).until(() ->
                Processes.metric(Http.get(a("/actuator/prometheus")).body(), "echo_delayed_replies") == 0);
        int threadsAfter = Processes.threads(a.pid());
        assertThat(threadsAfter).isLessThanOrEqualTo(threadsBefore + 16);

        var counts = new java.util.TreeMap<String, Long>();
        answers.forEach(answer -> counts.merge(answer.status() + (answer.body().contains("busy") ? " busy" : ""), 1L, Long::sum));
        System.out.printf("FAULT-MATRIX | A slow (--delay=5), 200 concurrent calls | %s | worst %s | "
                        + "/health worst %s over %d probes; A threads %d before, %d after%n",
                counts, millis(worst), millis(worstHealth), healthLatencies.size(), threadsBefore, threadsAfter);
    }

    @Test
    void sigtermToAWithCallsInFlight() {
        List<CompletableFuture<Http.Answer>> inFlight = tenCallsWaitingOnASlowA();
        a.sigterm();

        List<Http.Answer> answers = inFlight.stream().map(CompletableFuture::join).toList();
        assertThat(a.waitForExit(Duration.ofSeconds(20))).isZero();
        var after = Http.get(callEcho());

        long completed = answers.stream().filter(answer -> answer.status() == 200).count();
        assertThat(answers).extracting(Http.Answer::status).containsOnly(200);
        assertThat(after.status()).isEqualTo(503);
        assertThat(after.body()).contains("\"unavailable\"");
        System.out.printf("FAULT-MATRIX | SIGTERM to A with calls in flight | %d of %d in-flight calls 200, "
                + "then %d %s | A exit code 0%n", completed, answers.size(), after.status(), after.body());
    }

    @Test
    void sigtermToBWithCallsInFlight() {
        List<CompletableFuture<Http.Answer>> inFlight = tenCallsWaitingOnASlowA();
        b.sigterm();

        List<Http.Answer> answers = inFlight.stream().map(CompletableFuture::join).toList();
        int exit = b.waitForExit(Duration.ofSeconds(20));

        assertThat(answers).extracting(Http.Answer::status).containsOnly(200);
        assertThat(exit).isZero();
        assertThat(Http.get(b("/health")).answered()).isFalse();
        System.out.printf("FAULT-MATRIX | SIGTERM to B with calls in flight | %d in-flight calls, all 200 | B exit code %d%n",
                answers.size(), exit);
    }

    @Test
    void bStartedBeforeA() {
        b = startB().awaitReady();
        var before = new ArrayList<Http.Answer>();
        before.add(Http.get(callEcho()));
        assertThat(before.get(0).status()).isEqualTo(503);

        a = startA();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> Processes.listening(aGrpcPort));
        long listeningAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            var answer = Http.get(callEcho());
            before.add(answer);
            return answer.status() == 200;
        });
        Duration recovery = Duration.ofNanos(System.nanoTime() - listeningAt);

        // And B restarted while A is up: 200 at once.
        b.sigterm();
        assertThat(b.waitForExit(Duration.ofSeconds(20))).isZero();
        b = startB().awaitReady();
        assertThat(Http.get(callEcho()).status()).isEqualTo(200);

        assertThat(before).extracting(Http.Answer::status).containsOnly(200, 503);
        System.out.printf("FAULT-MATRIX | B started before A | %s | 200 again %s after A listened; "
                + "B restarted with A up: 200 at once%n", statusCounts(before), millis(recovery));
    }

    /** A answering after 500 ms, and ten calls through B that A is holding right now. */
    private List<CompletableFuture<Http.Answer>> tenCallsWaitingOnASlowA() {
        a = startA("--delay=500ms");
        b = startB();
        a.awaitReady();
        b.awaitReady();
        // B's first call pays for its connection to A and for class loading, which can eat half
        // of the 1 s limit; this test is about shutdown, so let that happen first.
        await().atMost(Duration.ofSeconds(20)).until(() -> Http.get(callEcho()).status() == 200);
        List<CompletableFuture<Http.Answer>> inFlight = IntStream.range(0, 10)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> Http.get(callEcho()))).toList();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() ->
                Processes.metric(Http.get(a("/actuator/prometheus")).body(), "echo_delayed_replies") >= 5);
        return inFlight;
    }

    private void startBoth() {
        a = startA();
        b = startB();
        a.awaitReady();
        b.awaitReady();
    }

    private ServiceProcess startA(String... args) {
        var process = ServiceProcess.serviceA(aGrpcPort, aHttpPort, args);
        started.add(process);
        return process;
    }

    private ServiceProcess startB() {
        var process = ServiceProcess.serviceB(bPort, aGrpcPort);
        started.add(process);
        return process;
    }

    private static CompletableFuture<Http.Answer> timedAsync(HttpClient client, String url) {
        long start = System.nanoTime();
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> new Http.Answer(response.statusCode(), response.body(), null,
                        Duration.ofNanos(System.nanoTime() - start)))
                .exceptionally(e -> new Http.Answer(0, e.toString(), null, Duration.ofNanos(System.nanoTime() - start)));
    }

    private static void assertBounded(List<Load.Result> results, Integer... allowedStatuses) {
        assertThat(Load.statusCounts(results).keySet()).isSubsetOf(allowedStatuses);
        assertThat(Load.worstLatency(results)).isLessThanOrEqualTo(BOUND);
    }

    private static void report(String fault, List<Load.Result> results, String recovery) {
        System.out.printf("FAULT-MATRIX | %s | %s | worst %s | %s%n",
                fault, Load.statusCounts(results), millis(Load.worstLatency(results)), recovery);
    }

    private static java.util.Map<Integer, Long> statusCounts(List<Http.Answer> answers) {
        var counts = new java.util.TreeMap<Integer, Long>();
        answers.forEach(answer -> counts.merge(answer.status(), 1L, Long::sum));
        return counts;
    }

    private static String millis(Duration duration) {
        return duration.toMillis() + " ms";
    }

    private String callEcho() {
        return b("/call-echo?msg=fault");
    }

    private String a(String path) {
        return "http://127.0.0.1:" + aHttpPort + path;
    }

    private String b(String path) {
        return "http://127.0.0.1:" + bPort + path;
    }
}
