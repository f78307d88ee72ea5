package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/** Facts about running services, read from outside as an operator would. */
final class Processes {

    private Processes() {
    }

    /** Threads of a live process, from /proc. */
    static int threads(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith("Threads:"))
                    .mapToInt(line -> Integer.parseInt(line.substring("Threads:".length()).trim()))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean listening(int port) {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The value of an unlabelled (or first) sample of {@code metric} in a Prometheus scrape. */
    static double metric(String scrape, String metric) {
        var matcher = Pattern.compile("(?m)^" + Pattern.quote(metric) + "(\\{[^}]*})? (\\S+)$").matcher(scrape);
        if (!matcher.find()) {
            throw new AssertionError("no " + metric + " in the scrape");
        }
        return Double.parseDouble(matcher.group(2));
    }
}
