package dev.lab1.systemtests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The repository's own scripts (scripts/), run as a user runs them, with bash. */
final class RepoScripts {

    private RepoScripts() {
    }

    /**
     * Runs {@code scripts/<script> args} with {@code env} added and returns its standard output; fails
     * with everything it wrote if it exits non-zero or is still running after {@code timeout}.
     */
    static String run(String script, Map<String, String> env, Duration timeout, List<String> args) {
        List<String> command = new ArrayList<>(List.of("bash", RepoFiles.path("scripts/" + script).toString()));
        command.addAll(args);
        Path stdout = null;
        Path stderr = null;
        try {
            // Files, not pipes: nothing has to read while it runs, so the timeout holds whatever it writes.
            stdout = Files.createTempFile(script, ".out");
            stderr = Files.createTempFile(script, ".err");
            var builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                // The script's own children first (a JVM it started would outlive bash).
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new IllegalStateException("scripts/" + script + " " + args + " was still running after " + timeout
                        + ": " + Files.readString(stdout) + Files.readString(stderr));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("scripts/" + script + " " + args + " exited " + process.exitValue()
                        + ": " + Files.readString(stdout) + Files.readString(stderr));
            }
            return Files.readString(stdout);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            deleteQuietly(stdout);
            deleteQuietly(stderr);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a temporary file left behind costs nothing
            }
        }
    }
}
