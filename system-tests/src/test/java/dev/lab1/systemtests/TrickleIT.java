package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Clients that send a request head one byte every 15 s (past any idle timeout's reach, never past
 * a per-byte one) are dropped by the services' request-header deadline (10 s by default, from the
 * head's first byte), while a fresh connection's {@code /health} keeps answering: 10,000 of them on
 * B's public port (a few hundred fewer if this JVM's file limit has no room) plus 200 on B's
 * management port, 400 on A's Actuator port (below its 500 connections; more only take turns).
 */
// Alone: ten thousand connections, and the port range and file descriptors they take.
@Isolated
class TrickleIT {

    private static final Duration EVERY = Duration.ofSeconds(15);
    /** The documented deadline (service-a.http and service-b.http .request-header-timeout). */
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** B looks each second and closes within two looks of the deadline; A sweeps each second. */
    private static final Duration LATEST = DEADLINE.plusSeconds(2).plusMillis(500);

    /**
     * A hang catcher for one /health on a fresh connection, not the latency claim (printed): on the
     * shared 2-core machine, closing 10,000 connections at once costs B a second or two.
     */
    private static final Duration SLOW = Duration.ofSeconds(3);

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void tenThousandTricklingHeadsAreDroppedByBsDeadlineWhileHealthAnswers() throws Exception {
        ServiceProcess b = processes.serviceBCalling("static://127.0.0.1:" + ProcessFixture.freePort());
        int managementPort = b.managementPort();
        b.awaitReady();
        RawHttp.send(b.httpPort(), "GET", "/health", List.of()); // the first answer pays for class loading
        int onPublic = Tricklers.fitting(10_000, 1_000);
        try (var publicPort = new Tricklers(b.httpPort(), onPublic, EVERY);
             var management = new Tricklers(managementPort, 200, EVERY)) {
            List<String> probes = probeUntilDropped(b.httpPort(), "/health", publicPort, management);
            report("B", onPublic + " on :public + 200 on :management", probes, publicPort, management);
        }
    }

    @Test
    void tricklingHeadsAreDroppedByAsDeadlineWhileHealthAnswers() throws Exception {
        ServiceProcess a = processes.serviceA();
        a.awaitReady();
        RawHttp.send(a.httpPort(), "GET", "/actuator/health", List.of());
        // Below A's server.tomcat.max-connections (500), so that a probe finds a free slot.
        int onActuator = Tricklers.fitting(Integer.getInteger("trickle.actuator", 400), 1_000);
        try (var actuator = new Tricklers(a.httpPort(), onActuator, EVERY)) {
            List<String> probes = probeUntilDropped(a.httpPort(), "/actuator/health", actuator);
            report("A", onActuator + " on :actuator", probes, actuator);
        }
    }

    /** A fresh-connection GET every 200 ms until every trickler is closed, or the latest deadline passed. */
    private static List<String> probeUntilDropped(int port, String path, Tricklers... tricklers) {
        List<String> failed = new ArrayList<>();
        var probes = new int[1];
        long[] worst = new long[1];
        await().atMost(Duration.ofSeconds(40)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200)).until(() -> {
            long start = System.nanoTime();
            int status;
            try {
                status = RawHttp.send(port, "GET", path, List.of()).status();
            } catch (RuntimeException noAnswer) {
                status = -1;
            }
            long took = System.nanoTime() - start;
            probes[0]++;
            worst[0] = Math.max(worst[0], took);
            if (status != 200 || took > SLOW.toNanos()) {
                failed.add(status + " in " + Duration.ofNanos(took).toMillis() + " ms");
            }
            boolean allOpened = true;
            long last = 0;
            for (Tricklers t : tricklers) {
                allOpened &= t.opened() + t.failedToConnect() == t.count();
                last = Math.max(last, t.lastFirstByteNanos());
            }
            boolean allClosed = true;
            for (Tricklers t : tricklers) {
                allClosed &= t.allOpenedAndClosed();
            }
            return allClosed || (allOpened && System.nanoTime() - last > LATEST.plusSeconds(1).toNanos());
        });
        failed.add(0, probes[0] + " probes, worst " + Duration.ofNanos(worst[0]).toMillis() + " ms");
        return failed;
    }

    private static void report(String service, String what, List<String> probes, Tricklers... tricklers) {
        var lines = new StringBuilder();
        for (Tricklers t : tricklers) {
            lines.append(String.format(" [%d opened, %d refused, %d closed by %s, first byte to close %s-%s]", t.opened(),
                    t.failedToConnect(), t.closedByServer(), service, Outcomes.millis(t.shortestLife()),
                    Outcomes.millis(t.longestLife())));
        }
        System.out.printf("FAULT-MATRIX | %s trickling heads (one byte every %d s) to %s (TrickleIT) | /health: %s |%s%n",
                what, EVERY.toSeconds(), service, probes, lines);
        assertThat(probes).as(service + "'s /health on a fresh connection: probes, then each failed or slow one").hasSize(1);
        for (Tricklers t : tricklers) {
            assertThat(t.failedToConnect()).as("connections refused").isZero();
            assertThat(t.closedByServer()).as("connections dropped by " + service).isEqualTo(t.opened());
            assertThat(t.longestLife()).as("latest drop after the first byte").isLessThanOrEqualTo(LATEST);
            // never before the deadline (B's clock may start up to one look, 1 s, before the first byte)
            assertThat(t.shortestLife()).as("earliest drop after the first byte").isGreaterThanOrEqualTo(DEADLINE.minusSeconds(1));
        }
    }
}
