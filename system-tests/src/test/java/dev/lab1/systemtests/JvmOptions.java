package dev.lab1.systemtests;

import java.util.Arrays;
import java.util.List;

/** The README's JVM flags, from their one place: scripts/jvm-options (what the scripts read too). */
final class JvmOptions {

    private JvmOptions() {
    }

    static List<String> flags() {
        return RepoFiles.text("scripts/jvm-options").lines()
                .map(line -> line.replaceAll("#.*", "").strip())
                .filter(line -> !line.isEmpty())
                .flatMap(line -> Arrays.stream(line.split("\\s+")))
                .toList();
    }
}
