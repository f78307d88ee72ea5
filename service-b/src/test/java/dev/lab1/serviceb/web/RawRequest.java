package dev.lab1.serviceb.web;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One HTTP request written byte for byte on its own connection, as a hostile or careless client
 * would (an HTTP library would refuse or repair most of them), and its whole answer.
 */
final class RawRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RawRequest() {
    }

    record Response(int status, String head, String body) {
        String contentType() {
            return head.lines().filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .map(l -> l.substring("content-type:".length()).trim()).findFirst().orElse("");
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }
    }

    /**
     * {@code headerLines}: header lines separated by a literal backslash-n; {@code {CR}} stands for a
     * bare carriage return inside a line.
     */
    static Response send(int port, String method, String target, String headerLines) {
        var request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String line : headerLines.split("\\\\n")) {
            if (!line.isBlank()) {
                request.append(line.replace("{CR}", "\r")).append("\r\n");
            }
        }
        request.append("Connection: close\r\n\r\n");
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
            var raw = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(raw);
            String text = raw.toString(StandardCharsets.UTF_8);
            int split = text.indexOf("\r\n\r\n");
            String head = split < 0 ? text : text.substring(0, split);
            String body = split < 0 ? "" : text.substring(split + 4);
            return new Response(Integer.parseInt(head.split(" ")[1]), head, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
