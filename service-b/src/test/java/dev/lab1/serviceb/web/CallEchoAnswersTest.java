package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link CallEchoAnswers#quote}: values from outside B in a /call-echo log line. */
class CallEchoAnswersTest {

    @Test
    void quotesAndEscapesAnythingThatCouldSplitOrForgeALine() {
        assertThat(CallEchoAnswers.quote("plain")).isEqualTo("\"plain\"");
        assertThat(CallEchoAnswers.quote("a\nservice=B status=ok\r\"x\"\\\u0000\u2028"))
                .isEqualTo("\"a\\nservice=B status=ok\\r\\\"x\\\"\\\\\\u0000\\u2028\"")
                .doesNotContain("\n", "\r");
    }
}
