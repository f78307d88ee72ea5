package dev.lab1.servicea.echo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class EchoJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void isSpacedAsTheOriginalJsonDumps() {
        assertThat(EchoJson.of("hello")).isEqualTo("{\"echo\": \"hello\"}");
        assertThat(EchoJson.of("")).isEqualTo("{\"echo\": \"\"}");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "say \"hi\"", "back\\slash", "line\nbreak\r\ttab", "nul\u0000and\u001funit",
            "ünïcödé 日本語 😀", "</script>{\"echo\": 1}", "\u2028\u2029", "'single'"})
    void escapesAnyTextIntoValidJsonThatParsesBackToTheMessage(String msg) throws Exception {
        JsonNode parsed = json.readTree(EchoJson.of(msg));

        assertThat(parsed.isObject()).isTrue();
        assertThat(parsed.size()).isEqualTo(1);
        assertThat(parsed.get("echo").textValue()).isEqualTo(msg);
    }
}
