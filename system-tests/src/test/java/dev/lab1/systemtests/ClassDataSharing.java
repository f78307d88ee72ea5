package dev.lab1.systemtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the process tests start a service's jar: from the class data sharing archive that
 * scripts/cds.sh records (what scripts/demo.sh and bench.sh use, and the Dockerfile does in the image),
 * so that each of the suite's 200-odd JVM starts maps its classes instead of loading them: A's start
 * took 9.5 s from the plain jar and 5.0-5.7 s from the archive on a slow day. The classes and the
 * flags are the same; what differs from the README's {@code java -jar} is the start-up itself (the
 * extracted jar on a plain class path, faster), which {@code scripts/soak.sh} in CI and
 * {@code -Dit.cds=false} still run the plain way.
 */
final class ClassDataSharing {

    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("it.cds", "true"));
    /** The script extracts the jar and runs the application once (about 15 s each here; 5x on a slow CI). */
    private static final Duration RECORDING_TIMEOUT = Duration.ofMinutes(3);
    private static final Map<Path, Recording> RECORDINGS = new ConcurrentHashMap<>();

    private ClassDataSharing() {
    }

    /** The java arguments after the JVM flags that start {@code jar}: its archive and its extracted jar, or {@code -jar jar}. */
    static List<String> startArguments(Path jar) {
        return ENABLED ? RECORDINGS.computeIfAbsent(jar.toAbsolutePath().normalize(), Recording::new).arguments()
                : List.of("-jar", jar.toString());
    }

    /**
     * Fails a start whose JVM has not mapped its archive (it would only be slower, and nobody would
     * notice): the JVM maps the archive file into its memory, or warns and starts without it.
     */
    static void requireMapped(String name, long pid) {
        if (!ENABLED) {
            return;
        }
        try (var maps = Files.lines(Path.of("/proc", Long.toString(pid), "maps"))) {
            if (maps.noneMatch(line -> line.endsWith("/cds/application.jsa"))) {
                throw new IllegalStateException(name + " started without its class data sharing archive (not in /proc/"
                        + pid + "/maps): see its log and scripts/cds.sh; -Dit.cds=false runs the plain jars");
            }
        } catch (IOException e) {
            // the process has gone: whoever waits for it next says why
        }
    }

    /** One jar's recording, made once per test JVM; a failure is kept and thrown again at each start. */
    private static final class Recording {

        private final Path jar;
        private List<String> arguments;
        private RuntimeException failure;

        Recording(Path jar) {
            this.jar = jar;
        }

        synchronized List<String> arguments() {
            if (arguments == null && failure == null) {
                try {
                    // Recorded with the README's flags, as the scripts record it, so that they share one
                    // archive; the tests' extra flag (C1 only) does not change which archive a JVM can map.
                    String output = RepoScripts.run("cds.sh", Map.of(
                                    "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                    "JAVA_OPTS", String.join(" ", JvmOptions.flags())),
                            RECORDING_TIMEOUT, List.of("--print-args", jar.toString()));
                    arguments = List.of(output.strip().split("\t")); // tab-separated: a path may hold spaces
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw new IllegalStateException("no class data sharing archive for " + jar, failure);
            }
            return arguments;
        }
    }
}
