package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Neither service takes a request body: a large form body (PUT, POST, DELETE: Spring's form filter
 * would read it whole) and a 64 MB chunked body, on every HTTP port of both services (B's public
 * port, B's Actuator on its own port, A's Actuator port), get a 4xx in that service's JSON shape at
 * once; both services stay up with a small heap and answer on.
 */
class RequestBodyIT {

    /** 6 MB of {@code a&}: three million empty form fields, more than a 96 MB heap holds parsed. */
    private static final long FORM_BYTES = 6L * 1024 * 1024;
    private static final long CHUNKED_BYTES = 64L * 1024 * 1024;

    @RegisterExtension
    static final ProcessFixture processes = new ProcessFixture();

    static ServiceProcess a;
    static ServiceProcess b;
    static int bManagementPort;
    static final List<String> figures = new ArrayList<>();

    @BeforeAll
    static void start() {
        a = processes.serviceA();
        b = processes.serviceB(a);
        bManagementPort = b.managementPort();
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void summary() {
        System.out.printf("FAULT-MATRIX | bodies to every HTTP port (RequestBodyIT) | %s%n", String.join("; ", figures));
    }

    @Test
    void bPublicPort() {
        everyBodyRefused("B :public", b, b.httpPort(), "/health", bManagementPort);
    }

    @Test
    void bManagementPort() {
        everyBodyRefused("B :management", b, bManagementPort, "/actuator/health", bManagementPort);
    }

    @Test
    void aActuatorPort() {
        everyBodyRefused("A :actuator", a, a.httpPort(), "/actuator/health", a.httpPort());
    }

    private static void everyBodyRefused(String where, ServiceProcess service, int port, String path, int metricsPort) {
        List<String> statuses = new ArrayList<>();
        for (String method : List.of("PUT", "POST", "DELETE")) {
            var answer = sendBody(port, method, path, FORM_BYTES, false);
            statuses.add(method + " 6 MB form " + answer.status());
            assertThat(service.isAlive()).as(where + ": alive after " + method + " of a 6 MB form").isTrue();
            assertRefusedInJson(where + " " + method, answer);
        }
        var chunked = sendBody(port, "PUT", path, CHUNKED_BYTES, true);
        statuses.add("PUT 64 MB chunked " + chunked.status());
        assertThat(service.isAlive()).as(where + ": alive after a 64 MB chunked body").isTrue();
        assertRefusedInJson(where + " chunked", chunked);

        String scrape = Http.get("http://127.0.0.1:" + metricsPort + "/actuator/prometheus").body();
        double heapMb = scrape.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{") && l.contains("area=\"heap\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum() / 1024 / 1024;
        figures.add(String.format("%s: %s, heap %.0f MB after", where, statuses, heapMb));
        assertThat(Http.get("http://127.0.0.1:" + port + path).status()).as(where + " answers on").isEqualTo(200);
        assertThat(service.log()).doesNotContain("OutOfMemoryError");
        assertThat(heapMb).as(where + ": heap used (96 MB max)").isLessThan(64);
    }

    private static void assertRefusedInJson(String what, RawHttp.Response answer) {
        assertThat(answer.status()).as(what).isEqualTo(413);
        assertThat(answer.contentType()).as(what).startsWith("application/json");
        assertThat(answer.json().get("error").isTextual()).as(what + ": " + answer.body()).isTrue();
        assertThat(answer.json().get("status").asInt()).as(what).isEqualTo(413);
    }

    /**
     * A form body of {@code bytes} ({@code a&} repeated), with a Content-Length or chunked, written
     * while the answer is read (a server that answers early and closes gets the rest refused).
     */
    static RawHttp.Response sendBody(int port, String method, String path, long bytes, boolean chunked) {
        try (Socket socket = RawHttp.connect(port)) {
            String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes + "\r\n")
                    + "Connection: close\r\n\r\n";
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> writeBody(socket, head, bytes, chunked));
            var raw = new ByteArrayOutputStream();
            try {
                socket.setSoTimeout(20_000);
                socket.getInputStream().transferTo(raw);
            } catch (IOException resetAfterAnswer) {
                // the server closed a connection whose body it did not read: what arrived is the answer
            }
            writer.cancel(true);
            String text = raw.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            if (split < 0) {
                return new RawHttp.Response(-1, text, "");
            }
            String body = text.substring(split + 4);
            String head0 = text.substring(0, split);
            if (head0.toLowerCase().contains("transfer-encoding: chunked")) {
                body = dechunk(body);
            }
            return new RawHttp.Response(Integer.parseInt(head0.split(" ")[1]), head0, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeBody(Socket socket, String head, long bytes, boolean chunked) {
        byte[] block = new byte[64 * 1024];
        for (int i = 0; i < block.length; i += 2) {
            block[i] = 'a';
            block[i + 1] = '&';
        }
        try {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            for (long sent = 0; sent < bytes; sent += block.length) {
                int n = (int) Math.min(block.length, bytes - sent);
                if (chunked) {
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(block, 0, n);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException refused) {
            // the server answered and closed without reading the body: expected
        }
    }

    private static String dechunk(String body) {
        var out = new StringBuilder();
        String rest = body;
        while (true) {
            int eol = rest.indexOf("\r\n");
            if (eol < 0) {
                return out.toString();
            }
            int size = Integer.parseInt(rest.substring(0, eol).trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(rest, eol + 2, Math.min(rest.length(), eol + 2 + size));
            rest = rest.substring(Math.min(rest.length(), eol + 2 + size + 2));
        }
    }
}
