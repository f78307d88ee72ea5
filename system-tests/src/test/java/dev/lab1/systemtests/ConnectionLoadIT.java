package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * B under many connections: 2,000 idle keep-alive connections and 100 "slowloris" connections that
 * send their headers one byte a second, held open while /health and /call-echo are measured; then
 * B's request-header deadline drops the slow ones. Held to the docs' figures: {@code /health}
 * within 100 ms (docs/reliability.md) and no thread per connection (docs/security.md).
 */
// Alone: it bounds /health's p99 and B's threads under thousands of connections.
@Isolated
class ConnectionLoadIT {

    private static final int IDLE = 2000;
    private static final int SLOW = 100;
    private static final int PROBES = 200;
    private static final Duration HEADER_TIMEOUT = Duration.ofSeconds(6);
    /** docs/reliability.md: {@code /health} within 100 ms with all the connections open. */
    private static final Duration HEALTH_WITHIN = Duration.ofMillis(100);

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void healthAndCallEchoKeepAnsweringWithThousandsOfConnectionsOpen() throws Exception {
        ServiceProcess a = processes.serviceA();
        // A shorter header deadline than the default 10 s, so that the test sees B drop the slow connections.
        ServiceProcess b = processes.serviceB(a, "--service-b.http.request-header-timeout=" + HEADER_TIMEOUT.toSeconds() + "s");
        a.awaitReady();
        b.awaitReady();
        // Warmed up on purpose: the test measures what thousands of idle connections cost B's
        // answers, against a baseline of its threads and latency; a cold B's first calls would be
        // charged to the connections. Cold starts are HealthyPeerIT's subject.
        b.warmUp();
        int threadsBefore = Processes.threads(b.pid());

        List<Socket> sockets = new ArrayList<>();
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < IDLE; i++) {
                Socket socket = RawHttp.connect(b.httpPort());
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                RawHttp.readOneAnswer(socket.getInputStream()); // answered, then left open and idle (keep-alive)
                sockets.add(socket);
            }
            List<Socket> slow = new ArrayList<>();
            for (int i = 0; i < SLOW; i++) {
                Socket socket = RawHttp.connect(b.httpPort());
                socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
                sockets.add(socket);
            }
            Set<Socket> droppedByB = ConcurrentHashMap.newKeySet();
            long slowSince = System.nanoTime();
            trickle.scheduleAtFixedRate(() -> slow.forEach(socket -> {
                if (!droppedByB.contains(socket) && !trickleOneByte(socket)) {
                    droppedByB.add(socket);
                }
            }), 1, 1, TimeUnit.SECONDS);

            List<Duration> health = new ArrayList<>();
            List<Http.Answer> calls = new ArrayList<>();
            for (int i = 0; i < PROBES; i++) {
                var answer = b.get("/health");
                assertThat(answer.status()).isEqualTo(200);
                health.add(answer.elapsed());
                if (i % 10 == 0) {
                    calls.add(b.callEcho("under connection load"));
                }
            }
            int threadsDuring = Processes.threads(b.pid());
            long slowOpenDuringProbes = SLOW - droppedByB.size();
            // B's header deadline then drops every trickling connection (and none of the idle ones, which the
            // 30 s idle timeout will close later).
            await().atMost(HEADER_TIMEOUT.multipliedBy(3)).until(() -> droppedByB.size() == SLOW);
            Duration dropped = Duration.ofNanos(System.nanoTime() - slowSince);
            health.sort(Duration::compareTo);
            Duration p50 = health.get(health.size() / 2);
            Duration p99 = health.get(health.size() * 99 / 100);
            Duration worst = health.get(health.size() - 1);

            System.out.printf("FAULT-MATRIX | %d idle keep-alive + %d slowloris connections to B | /health x %d: p50 %s, "
                            + "p99 %s, worst %s; /call-echo %s | B threads %d before, %d during; %d slow connections open "
                            + "during the probes, all %d dropped by B's %d s header deadline within %s%n",
                    IDLE, SLOW, PROBES, Outcomes.millis(p50), Outcomes.millis(p99), Outcomes.millis(worst),
                    calls.stream().map(Http.Answer::status).toList(), threadsBefore, threadsDuring, slowOpenDuringProbes,
                    SLOW, HEADER_TIMEOUT.toSeconds(), Outcomes.millis(dropped));
            assertThat(dropped).isGreaterThanOrEqualTo(HEADER_TIMEOUT.minusSeconds(1));
            // The deadline spares idle keep-alive connections: they still carry a request.
            for (Socket idle : sockets.subList(0, 20)) {
                idle.getOutputStream().write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                RawHttp.readOneAnswer(idle.getInputStream());
            }
            assertThat(calls).extracting(Http.Answer::status).containsOnly(200);
            // The documented 100 ms held by the p99: the one probe above it may lose the CPU to a GC
            // pause or another process on the shared machine (worst 3-29 ms measured); a hang catcher
            // for that one.
            assertThat(p99).as("/health p99 with %d connections open", IDLE + SLOW).isLessThanOrEqualTo(HEALTH_WITHIN);
            assertThat(worst).as("/health worst, a hang catcher").isLessThan(Duration.ofSeconds(1));
            // No thread per connection: B's pool grows by a few for the probes, the calls to A and the
            // trickled bytes' reads (+12 to +26 measured); a thread per slow connection alone would add 100.
            assertThat(threadsDuring - threadsBefore).as("threads B added with %d connections open", IDLE + SLOW).isLessThan(SLOW);
        } finally {
            trickle.shutdownNow();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** One more header byte; false once B has closed the connection (end of stream, or the write refused). */
    private static boolean trickleOneByte(Socket socket) {
        try {
            socket.setSoTimeout(1);
            try {
                if (socket.getInputStream().read() < 0) {
                    return false;
                }
            } catch (SocketTimeoutException stillOpen) {
                // nothing to read: B is still waiting for the rest of the header
            }
            socket.getOutputStream().write('a');
            return true;
        } catch (IOException closed) {
            return false;
        }
    }
}
