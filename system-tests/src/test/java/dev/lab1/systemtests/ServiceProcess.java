package dev.lab1.systemtests;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One service (A or B) run from its packaged jar as a separate OS process on ports of its own,
 * with its output in {@code target/process-logs}. Made by {@link ProcessFixture}, which closes it
 * after the test whatever happened; it can be signalled, stopped and started again on the same
 * ports, and its log read line by line.
 *
 * <p>Log lines are written by the service's asynchronous appender, so a line can appear a few
 * milliseconds after the answer it belongs to: wait for a line ({@link #awaitLogLine}) before
 * any check that a line is absent. A SIGKILL loses the lines still queued.
 */
final class ServiceProcess implements AutoCloseable {

    /**
     * The README's flags ("Run each service", kept in scripts/jvm-options), small container-like JVMs
     * (a 96 MB heap), so that tests run the services as users do. One addition:
     * {@code TieredStopAtLevel=1} (C1 only) roughly halves the CPU a start-up takes, which matters
     * with many short-lived JVMs on a shared 2-core machine; it changes peak throughput, not behaviour.
     */
    static final List<String> JVM_FLAGS = Stream.concat(JvmOptions.flags().stream(), Stream.of("-XX:TieredStopAtLevel=1")).toList();
    /** From the README too: glibc's per-thread arenas would otherwise inflate native memory. */
    static final Map<String, String> JVM_ENV = Map.of("MALLOC_ARENA_MAX", "2");

    /** A hang catcher, not a performance claim: a cold start takes ~10 s here, 5x that on a slow CI. */
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** How long an expected log line may take to show (the appender flushes within milliseconds). */
    static final Duration LOG_TIMEOUT = Duration.ofSeconds(30);
    /** How long an exit may take after SIGKILL, or after SIGTERM (B's graceful phase is 10 s). */
    static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    private static final AtomicInteger STARTS = new AtomicInteger();

    enum Kind {
        A("service-a", "serviceA.jar"),
        B("service-b", "serviceB.jar");

        final String name;
        final String jarProperty;

        Kind(String name, String jarProperty) {
            this.name = name;
            this.jarProperty = jarProperty;
        }
    }

    private final Kind kind;
    private final String name;
    private final int httpPort;
    private final int managementPort;
    private final int grpcPort;
    private final Map<String, String> env;
    /** Output to a pipe nobody reads (a stopped log reader), not to the log file. */
    private final boolean unreadOutput;
    private volatile List<String> args;
    private volatile Process process;
    private volatile Path log;
    /** The complete lines of {@link #followedLog} read so far, up to byte {@link #followedPosition} (guarded by itself). */
    private final List<String> followed = new ArrayList<>();
    private Path followedLog;
    private long followedPosition;

    /**
     * Starts at once; the caller registers it before waiting for anything. {@code managementPort}:
     * B's Actuator port ({@code management.server.port}); A's Actuator is on its {@code httpPort}, so
     * for A it must be that port.
     */
    ServiceProcess(Kind kind, String name, int httpPort, int managementPort, int grpcPort, Map<String, String> env,
                   List<String> args) {
        this(kind, name, httpPort, managementPort, grpcPort, env, args, false);
    }

    /** With {@code unreadOutput}, its stdout and stderr go to a pipe this JVM never reads: {@link #log()} is empty. */
    ServiceProcess(Kind kind, String name, int httpPort, int managementPort, int grpcPort, Map<String, String> env,
                   List<String> args, boolean unreadOutput) {
        if (kind == Kind.A && managementPort != httpPort) {
            throw new IllegalArgumentException("A's Actuator is on its HTTP port " + httpPort);
        }
        this.unreadOutput = unreadOutput;
        this.kind = kind;
        this.name = name;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.grpcPort = grpcPort;
        this.env = Map.copyOf(env);
        this.args = List.copyOf(args);
        launch();
    }

    private void launch() {
        Path logs = Path.of(System.getProperty("logs.dir", "target/process-logs"));
        Path newLog = logs.resolve(STARTS.incrementAndGet() + "-" + name + ".log");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.addAll(ClassDataSharing.startArguments(jar(kind.jarProperty)));
        command.add("--server.port=" + httpPort);
        if (kind == Kind.A) {
            command.add("--grpc.server.port=" + grpcPort);
        } else {
            command.add("--management.server.port=" + managementPort);
        }
        command.addAll(args);
        try {
            Files.createDirectories(logs);
            Files.writeString(newLog, "");
            var builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(unreadOutput ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.to(newLog.toFile()));
            builder.environment().putAll(JVM_ENV);
            builder.environment().putAll(env);
            Process started = builder.start();
            ProcessRegistry.register(started, name + " " + args);
            this.log = newLog;
            this.process = started;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    private static Path jar(String property) {
        String path = System.getProperty(property);
        if (path == null || !Files.isRegularFile(Path.of(path))) {
            throw new IllegalStateException("no jar at " + path + " (" + property
                    + "): run ./mvnw verify from the top (it packages both services first), or ./mvnw -pl service-a,service-b package -DskipTests");
        }
        return Path.of(path);
    }

    // ---- where it listens -------------------------------------------------------------------

    String name() {
        return name;
    }

    /** A: Actuator's port; B: its public port (/health, /call-echo; Actuator is on {@link #managementPort()}). */
    int httpPort() {
        return httpPort;
    }

    /** Actuator's port: B's management port; A's HTTP port. */
    int managementPort() {
        return managementPort;
    }

    /** A's gRPC port. */
    int grpcPort() {
        if (kind != Kind.A) {
            throw new IllegalStateException(name + " has no gRPC port");
        }
        return grpcPort;
    }

    /** A's gRPC address as B's configuration spells one entry: {@code 127.0.0.1:port}. */
    String grpcAddress() {
        return "127.0.0.1:" + grpcPort();
    }

    /** {@code http://127.0.0.1:<httpPort><pathAndQuery>}. */
    String url(String pathAndQuery) {
        return "http://127.0.0.1:" + httpPort + pathAndQuery;
    }

    /** GET on this process (its HTTP port). */
    Http.Answer get(String pathAndQuery) {
        return Http.get(url(pathAndQuery));
    }

    /** {@code http://127.0.0.1:<managementPort><path>}: Actuator's URLs. */
    String managementUrl(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    /** GET on Actuator's port, e.g. {@code management("/actuator/health")}. */
    Http.Answer management(String path) {
        return Http.get(managementUrl(path));
    }

    /** B's {@code /call-echo} URL for {@code msg} (URL-encoded). */
    String callEchoUrl(String msg) {
        return url("/call-echo?msg=" + URLEncoder.encode(msg, StandardCharsets.UTF_8));
    }

    /** One call to B's {@code /call-echo}. */
    Http.Answer callEcho(String msg) {
        return Http.get(callEchoUrl(msg));
    }

    /** The arguments of the current run (the ports come first and are not among them). */
    List<String> args() {
        return args;
    }

    // ---- lifecycle --------------------------------------------------------------------------

    /**
     * Waits until the service's readiness says 200 (and B's {@code /health} too: Boot starts the
     * management port after the public one, so neither alone says both listen); fails at once if it
     * exited.
     */
    ServiceProcess awaitReady() {
        List<String> readiness = kind == Kind.A ? List.of(managementUrl("/actuator/health/readiness"))
                : List.of(url("/health"), managementUrl("/actuator/health/readiness"));
        await(name + " ready").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    Process current = process;
                    if (!current.isAlive()) {
                        throw new IllegalStateException(name + " exited with " + current.exitValue()
                                + " before it was ready; its log:\n" + logTail(40));
                    }
                    return readiness.stream().allMatch(url -> Http.get(url).status() == 200);
                });
        ClassDataSharing.requireMapped(name, process.pid());
        return this;
    }

    /**
     * Warms B's path to A before a test measures anything: B's first calls pay for class loading,
     * JIT and the connection to A (a cold call was measured at half of the 1 s limit). Returns
     * once {@code consecutiveOks} calls in a row answered 200; with several A replicas, ask for at
     * least two per replica so that every connection is made. Fails after 90 s (a hang catcher).
     */
    ServiceProcess warmUp(int consecutiveOks) {
        requireKind(Kind.B);
        var inARow = new AtomicInteger();
        await(name + " warm-up: " + consecutiveOks + " calls to A in a row answered 200")
                .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                .failFast(() -> !process.isAlive())
                .until(() -> {
                    var answer = callEcho("warm-up");
                    if (answer.status() == 200) {
                        return inARow.incrementAndGet() >= consecutiveOks;
                    }
                    inARow.set(0);
                    return false;
                });
        return this;
    }

    /** {@link #warmUp(int)} with five calls in a row. */
    ServiceProcess warmUp() {
        return warmUp(5);
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void sigkill() {
        ProcessRegistry.kill(process, EXIT_TIMEOUT);
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

    /** SIGTERM, then the exit code once the process is gone (the graceful stop users get with Ctrl-C). */
    int stop() {
        sigterm();
        return waitForExit(EXIT_TIMEOUT);
    }

    /** The exit code, once the process has exited within {@code timeout}. */
    int waitForExit(Duration timeout) {
        Process current = process;
        try {
            if (!current.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(name + " still running after " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        ProcessRegistry.unregister(current);
        return current.exitValue();
    }

    /** Starts the service again on the same ports with the same arguments (SIGKILL first if it still runs). */
    ServiceProcess restart() {
        return restartWith(args.toArray(String[]::new));
    }

    /** Starts the service again on the same ports with other arguments (SIGKILL first if it still runs). */
    ServiceProcess restartWith(String... newArgs) {
        if (process.isAlive()) {
            sigkill();
        }
        ProcessRegistry.unregister(process);
        args = List.of(newArgs);
        launch();
        return this;
    }

    /** SIGKILL (also ends a stopped process), whatever state it is in; never throws for a dead process. */
    @Override
    public void close() {
        Process current = process;
        if (current.isAlive()) {
            ProcessRegistry.kill(current, EXIT_TIMEOUT);
        } else {
            ProcessRegistry.unregister(current);
        }
    }

    // ---- its log ----------------------------------------------------------------------------

    /**
     * Everything the current run has written so far: the complete lines followed so far, and
     * whatever is written of the line being written.
     */
    String log() {
        synchronized (followed) {
            var lines = logLines();
            String partial = readFrom(followedPosition, Long.MAX_VALUE).toString(StandardCharsets.UTF_8);
            return lines.isEmpty() ? partial : String.join("\n", lines) + "\n" + partial;
        }
    }

    /**
     * The complete lines of the current run so far. The log is followed: each call reads only
     * what was appended since the last one (a test polling a log during a timed window must not
     * re-read a file of megabytes every 50 ms on a 2-core machine), and a restart starts a new one.
     */
    List<String> logLines() {
        synchronized (followed) {
            Path current = log;
            if (!current.equals(followedLog)) {
                followedLog = current;
                followedPosition = 0;
                followed.clear();
            }
            var appended = readFrom(followedPosition, Long.MAX_VALUE);
            byte[] bytes = appended.toByteArray();
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--; // a line still being written is taken once it is complete ('\n' is never inside a UTF-8 character)
            }
            if (end > 0) {
                new String(bytes, 0, end, StandardCharsets.UTF_8).lines().forEach(followed::add);
                followedPosition += end;
            }
            return List.copyOf(followed);
        }
    }

    private java.io.ByteArrayOutputStream readFrom(long position, long max) {
        var out = new java.io.ByteArrayOutputStream();
        try (var channel = java.nio.channels.FileChannel.open(log, java.nio.file.StandardOpenOption.READ)) {
            channel.position(position);
            var buffer = java.nio.ByteBuffer.allocate(64 * 1024);
            while (out.size() < max && channel.read(buffer) > 0) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Lines of the current run that contain a match of {@code regex}. */
    List<String> logLines(String regex) {
        var pattern = Pattern.compile(regex);
        return logLines().stream().filter(line -> pattern.matcher(line).find()).toList();
    }

    long countLogLines(String regex) {
        return logLines(regex).size();
    }

    /** The first line that contains a match of {@code regex}, once it has been written. */
    String awaitLogLine(String regex) {
        return awaitLogLines(regex, 1).get(0);
    }

    /** The lines that contain a match of {@code regex}, once there are at least {@code count}. */
    List<String> awaitLogLines(String regex, int count) {
        var found = new AtomicReference<List<String>>();
        await(name + ": " + count + " log line(s) matching " + regex).atMost(LOG_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    found.set(logLines(regex));
                    return found.get().size() >= count;
                });
        return found.get();
    }

    String logTail(int lines) {
        var all = logLines();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ", http " + httpPort
                + (kind == Kind.A ? ", grpc " + grpcPort : ", management " + managementPort) + ")";
    }

    private void requireKind(Kind expected) {
        if (kind != expected) {
            throw new IllegalStateException(name + " is not " + expected.name);
        }
    }

    private void signal(String signal) {
        Process current = process;
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(current.pid())).start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + current.pid() + " exited with " + exit);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
