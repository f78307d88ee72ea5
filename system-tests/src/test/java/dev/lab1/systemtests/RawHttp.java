package dev.lab1.systemtests;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * HTTP/1.1 written byte for byte on a socket, for requests an HTTP client library would refuse or
 * repair (a bare CR in a header, a malformed escape, TRACE, an unknown method), and for holding
 * many connections open cheaply.
 */
final class RawHttp {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Response(int status, String head, String body) {
        String contentType() {
            return head.lines().filter(line -> line.toLowerCase().startsWith("content-type:"))
                    .map(line -> line.substring("content-type:".length()).trim()).findFirst().orElse("");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    private RawHttp() {
    }

    /** A connection to 127.0.0.1:{@code port}, with a 10 s read timeout (a hang catcher). */
    static Socket connect(int port) {
        try {
            var socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exactly these bytes on a fresh connection (Connection: close), and the whole answer. */
    static Response send(int port, String method, String target, List<String> headerLines) {
        var request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        headerLines.forEach(line -> request.append(line).append("\r\n"));
        request.append("Connection: close\r\n\r\n");
        try (var socket = connect(port)) {
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            var raw = new ByteArrayOutputStream();
            try {
                socket.getInputStream().transferTo(raw);
            } catch (IOException resetAfterAnswer) {
                // a server may reset a connection it refused after answering: what arrived is the answer
            }
            String text = raw.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            return new Response(Integer.parseInt(head.split(" ")[1]), head, split < 0 ? "" : text.substring(split + 4));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one small answer (head and a Content-Length body), leaving the connection open. */
    static void readOneAnswer(InputStream in) throws IOException {
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed before the answer: " + head);
            }
            head.append((char) c);
        }
        int length = head.toString().lines().filter(line -> line.toLowerCase().startsWith("content-length:"))
                .mapToInt(line -> Integer.parseInt(line.substring("content-length:".length()).trim())).findFirst().orElse(0);
        in.readNBytes(length);
    }
}
