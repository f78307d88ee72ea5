package dev.lab1.servicea.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * A's header deadline (HeaderDeadlineProtocol, selected by HttpPortConfiguration) on its real HTTP
 * port: a head still incomplete at the deadline closes its connection, however steadily it trickles;
 * a head completed within it is served, and a kept-alive connection between requests is not cut.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "grpc.server.port=0",
        "service-a.http.request-header-timeout=1s"})
class HeaderDeadlineTest {

    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final String HEAD = "GET /actuator/health HTTP/1.1\r\nHost: a\r\n";

    @LocalServerPort
    int port;

    @Test
    void aHeadTrickledPastTheDeadlineIsCut() throws Exception {
        try (var socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            long start = System.nanoTime();
            out.write(HEAD.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> readUntilClosed(socket));
            // One header line every 100 ms: Tomcat's own read timeout would never end this.
            for (int i = 0; i < 60 && !closed.isDone(); i++) {
                try {
                    out.write(("X-Trickle-" + i + ": x\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException cut) {
                    break;
                }
                pace(Duration.ofMillis(100));
            }
            closed.get(10, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // Cut at the deadline plus a tenth of it (the sweep), with room for a busy machine.
            assertThat(took).isGreaterThanOrEqualTo(DEADLINE.minusMillis(50)).isLessThan(DEADLINE.multipliedBy(3));
        }
    }

    @Test
    void aHeadCompletedWithinTheDeadlineIsServed() throws Exception {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(HEAD.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            pace(Duration.ofMillis(300));
            out.write("Connection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();

            assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsNotCutByTheHeadDeadline() throws Exception {
        try (var socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write((HEAD + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readOneResponse(in)).startsWith("HTTP/1.1 200");

            // Idle between requests for twice the deadline: the next request's head starts a new count.
            pace(DEADLINE.multipliedBy(2));
            out.write((HEAD + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(readUntilClosed(socket)).startsWith("HTTP/1.1 200");
        }
    }

    /** Everything the server sends until it closes the connection (or resets it). */
    private static String readUntilClosed(Socket socket) {
        var text = new StringBuilder();
        try {
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[4096];
            for (int n; (n = in.read(buffer)) != -1; ) {
                text.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (IOException reset) {
            // a reset is a close too
        }
        return text.toString();
    }

    /** One response with a Content-Length body (Actuator's health), read exactly. */
    private static String readOneResponse(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b == -1) {
                return head.toString();
            }
            head.append((char) b);
        }
        var headers = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = headers.indexOf("content-length:");
        if (at >= 0) {
            int length = Integer.parseInt(headers.substring(at + 15, headers.indexOf("\r\n", at)).trim());
            in.readNBytes(length);
        } else if (headers.contains("transfer-encoding: chunked")) {
            // read chunks until the last one
            var rest = new StringBuilder();
            while (!rest.toString().endsWith("0\r\n\r\n")) {
                int b = in.read();
                if (b == -1) {
                    break;
                }
                rest.append((char) b);
            }
        }
        return head.toString();
    }

    /** The client's pace between writes (what is tested is how long the client takes), not a wait for the server's state. */
    private static void pace(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
