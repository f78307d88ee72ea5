package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogValueTest {

    @Test
    void quotesAndEscapesAnythingThatCouldSplitOrForgeALine() {
        assertThat(LogValue.quote("plain")).isEqualTo("\"plain\"");
        assertThat(LogValue.quote("a\nservice=B status=ok\r\"x\"\\\u0000\u2028"))
                .isEqualTo("\"a\\nservice=B status=ok\\r\\\"x\\\"\\\\\\u0000\\u2028\"")
                .doesNotContain("\n", "\r");
    }
}
