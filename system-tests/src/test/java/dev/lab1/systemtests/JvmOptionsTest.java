package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** The flags the README shows are the ones the scripts and the system tests use. */
class JvmOptionsTest {

    /** {@code JVM="…"} or {@code JVM="$JVM …"}, the README's way of building the flags up. */
    private static final Pattern README_LINE = Pattern.compile("^JVM=\"(?:\\$JVM )?([^\"]*)\"", Pattern.MULTILINE);

    @Test
    void theReadmeShowsTheFlagsOfScriptsJvmOptions() {
        Matcher lines = README_LINE.matcher(RepoFiles.text("README.md"));
        List<String> shown = lines.results().flatMap(line -> Arrays.stream(line.group(1).split("\\s+"))).toList();

        assertThat(shown).isEqualTo(JvmOptions.flags());
    }

    @Test
    void theFlagsAreRead() {
        assertThat(JvmOptions.flags()).contains("-Xmx96m", "-XX:+ExitOnOutOfMemoryError").doesNotContain("#", "");
    }
}
