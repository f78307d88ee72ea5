package dev.lab1.serviceb.call;

import jakarta.validation.constraints.Positive;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code GET /call-echo}.
 *
 * @param maxMessageLength the longest {@code msg} accepted, in characters (Unicode code points);
 *                         longer ones get 400 and never reach A
 */
@Validated
@ConfigurationProperties("call-echo")
public record CallEchoProperties(@Positive int maxMessageLength) {
}
