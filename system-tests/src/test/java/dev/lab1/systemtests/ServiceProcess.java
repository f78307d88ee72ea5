package dev.lab1.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One service, started from its packaged jar as a separate OS process, with its output in
 * {@code target/process-logs}. Stopped for good by {@link #close()}, whatever the test did.
 */
final class ServiceProcess implements AutoCloseable {

    private static final AtomicInteger STARTS = new AtomicInteger();
    /** Small and quick to start: these processes are many and short-lived on a 2-core machine. */
    private static final List<String> JVM_FLAGS = List.of(
            "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    private final String name;
    private final Process process;
    private final Path log;
    private final String readinessUrl;

    private ServiceProcess(String name, String jarProperty, List<String> args, Map<String, String> env,
                           String readinessUrl) {
        this.name = name;
        this.readinessUrl = readinessUrl;
        Path logs = Path.of(System.getProperty("logs.dir", "target/process-logs"));
        this.log = logs.resolve(STARTS.incrementAndGet() + "-" + name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-jar");
        command.add(jar(jarProperty).toString());
        command.addAll(args);
        try {
            Files.createDirectories(logs);
            var builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            this.process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    /** service-a with gRPC on {@code grpcPort} and Actuator on {@code httpPort}. */
    static ServiceProcess serviceA(int grpcPort, int httpPort, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--grpc.server.port=" + grpcPort, "--server.port=" + httpPort));
        args.addAll(List.of(extraArgs));
        return new ServiceProcess("service-a", "serviceA.jar", args, Map.of(),
                "http://127.0.0.1:" + httpPort + "/actuator/health");
    }

    /** service-b on {@code httpPort}, calling A at {@code aGrpcPort} (set through its environment variable). */
    static ServiceProcess serviceB(int httpPort, int aGrpcPort, String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("--server.port=" + httpPort));
        args.addAll(List.of(extraArgs));
        return new ServiceProcess("service-b", "serviceB.jar", args,
                Map.of("SERVICE_A_ADDRESS", "static://127.0.0.1:" + aGrpcPort),
                "http://127.0.0.1:" + httpPort + "/health");
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path jar(String property) {
        String path = System.getProperty(property);
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("no jar at " + path + " (" + property
                    + "): run ./mvnw verify from the top, which packages both services first");
        }
        return Path.of(path);
    }

    ServiceProcess awaitReady() {
        await(name + " ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + log());
                    }
                    return Http.get(readinessUrl).status() == 200;
                });
        return this;
    }

    long pid() {
        return process.pid();
    }

    void sigkill() {
        signal("KILL");
        waitForExit(Duration.ofSeconds(10));
    }

    void sigterm() {
        signal("TERM");
    }

    void sigstop() {
        signal("STOP");
    }

    void sigcont() {
        signal("CONT");
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, once the process has exited within {@code timeout}. */
    int waitForExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String logTail(int lines) {
        var all = log().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private void signal(String signal) {
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            signal("CONT"); // a stopped process cannot act on anything else
            process.destroyForcibly();
            waitForExit(Duration.ofSeconds(10));
        }
    }
}
