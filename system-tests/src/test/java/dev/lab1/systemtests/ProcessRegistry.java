package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Every service process a test JVM started, so that none outlives it: a pid file per process
 * (removed when the process is closed), a shutdown hook that kills what is still running when the
 * test JVM exits, and, for a test JVM that died without running its hooks (SIGKILL, a fork
 * timeout), a sweep at the next start that kills what the pid files of dead test JVMs name.
 *
 * <p>An orphaned service on a 2-core machine holds a port and a core and makes every later
 * timing worse, so this is part of every system test, not an afterthought.
 */
final class ProcessRegistry {

    /** Per checkout, so that a sweep never touches what another checkout's tests run. */
    static final Path PID_DIR = Path.of(System.getProperty("java.io.tmpdir"), "lab1-system-tests",
            checkoutKey(), "pids");

    private static final ProcessHandle SELF = ProcessHandle.current();
    private static final Map<Long, Process> LIVE = new ConcurrentHashMap<>();

    static {
        try {
            Files.createDirectories(PID_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sweepLeftovers();
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessRegistry::killAllLive, "kill-service-processes"));
    }

    private ProcessRegistry() {
    }

    /** Records a process just started (before anybody waits for it). */
    static void register(Process process, String description) {
        LIVE.put(process.pid(), process);
        var record = new Properties();
        record.setProperty("pid", Long.toString(process.pid()));
        record.setProperty("started", startOf(process.toHandle()).map(Instant::toString).orElse(""));
        record.setProperty("owner", Long.toString(SELF.pid()));
        record.setProperty("ownerStarted", startOf(SELF).map(Instant::toString).orElse(""));
        record.setProperty("what", description);
        try (var out = Files.newBufferedWriter(pidFile(process.pid()), StandardCharsets.UTF_8)) {
            record.store(out, "a service process started by a system test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets a process that has exited. */
    static void unregister(Process process) {
        LIVE.remove(process.pid());
        try {
            Files.deleteIfExists(pidFile(process.pid()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SIGKILL, then wait for the exit: a stopped (SIGSTOP) process dies of SIGKILL as well. */
    static void kill(Process process, Duration timeout) {
        process.destroyForcibly();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("pid " + process.pid() + " still running " + timeout + " after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        unregister(process);
    }

    private static void killAllLive() {
        LIVE.values().forEach(Process::destroyForcibly);
        LIVE.values().forEach(process -> {
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                Files.deleteIfExists(pidFile(process.pid()));
            } catch (IOException ignored) {
                // the JVM is exiting; the next sweep removes the file
            }
        });
    }

    /** Kills what the pid files of test JVMs that are gone still name, if it is the same process. */
    private static void sweepLeftovers() {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(PID_DIR, "*.pid")) {
            for (Path file : files) {
                var record = new Properties();
                try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    record.load(in);
                }
                if (isAlive(record.getProperty("owner"), record.getProperty("ownerStarted"))) {
                    continue; // another test JVM of this checkout, still running: its processes are its own
                }
                ProcessHandle.of(Long.parseLong(record.getProperty("pid")))
                        .filter(handle -> sameStart(handle, record.getProperty("started")))
                        .ifPresent(handle -> {
                            System.out.println("system tests: killing leftover " + record.getProperty("what")
                                    + " (pid " + handle.pid() + ") of an earlier run that did not stop it");
                            handle.destroyForcibly();
                            handle.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> null).join();
                        });
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isAlive(String pid, String started) {
        return pid != null && ProcessHandle.of(Long.parseLong(pid)).filter(handle -> sameStart(handle, started)).isPresent();
    }

    /** Pids are reused: a pid names the recorded process only if it started at the recorded instant. */
    private static boolean sameStart(ProcessHandle handle, String started) {
        return handle.isAlive() && startOf(handle).map(Instant::toString).orElse("").equals(started);
    }

    private static Optional<Instant> startOf(ProcessHandle handle) {
        return handle.info().startInstant();
    }

    private static Path pidFile(long pid) {
        return PID_DIR.resolve(pid + ".pid");
    }

    private static String checkoutKey() {
        String root = Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize().toString();
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(root.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
