package dev.lab1.systemtests;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How the process tests start a service's jar: from the class data sharing archive that
 * scripts/cds.sh records (what scripts/demo.sh and bench.sh use, and the Dockerfile does in the image),
 * so that each of the suite's many JVM starts maps its classes instead of loading them. That halves a
 * start here (A: 9-10 s to 5-5.5 s on a slow day) and changes nothing the tests look at: the same
 * classes, the same flags, the same application.
 *
 * <p>{@code -Dit.cds=false} starts the plain jars instead, as the README's "Run each service" does.
 */
final class ClassDataSharing {

    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("it.cds", "true"));
    /** The script extracts the jar and runs the application once (about 10 s each; 5x on a slow CI). */
    private static final Duration RECORDING_TIMEOUT = Duration.ofMinutes(3);
    private static final Map<Path, List<String>> ARGUMENTS = new ConcurrentHashMap<>();

    private ClassDataSharing() {
    }

    /** The java arguments after the JVM flags that start {@code jar}: its archive and its extracted jar, or {@code -jar jar}. */
    static List<String> startArguments(Path jar) {
        return ENABLED ? ARGUMENTS.computeIfAbsent(jar.toAbsolutePath().normalize(), ClassDataSharing::record)
                : List.of("-jar", jar.toString());
    }

    /** Fails a start that could not map its archive: it would only be slower, and nobody would notice. */
    static void requireMapped(String name, List<String> log) {
        if (ENABLED) {
            log.stream().filter(line -> line.contains("Unable to use shared archive")).findFirst().ifPresent(line -> {
                throw new IllegalStateException(name + " started without its class data sharing archive (" + line
                        + "): see scripts/cds.sh; -Dit.cds=false runs the plain jars");
            });
        }
    }

    private static List<String> record(Path jar) {
        // Recorded with the README's flags, as the scripts record it, so that they share one archive;
        // the tests' extra flag (C1 only) does not change which archive a JVM can map.
        String output = RepoScripts.run("cds.sh", Map.of(
                        "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "JAVA_OPTS", String.join(" ", JvmOptions.flags())),
                RECORDING_TIMEOUT, List.of("--print-args", jar.toString()));
        return Arrays.asList(output.strip().split("\\s+"));
    }
}
