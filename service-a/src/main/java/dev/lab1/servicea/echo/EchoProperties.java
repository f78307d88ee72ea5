package dev.lab1.servicea.echo;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * How Echo behaves.
 *
 * @param delay how long every Echo waits before answering, to play a slow dependency. A plain
 *              number means seconds, as the original's {@code --delay N}; {@code 1500ms} and
 *              {@code 2s} work too. Set with {@code --delay=N} (see application.yml).
 */
@ConfigurationProperties("echo")
public record EchoProperties(@DurationUnit(ChronoUnit.SECONDS) Duration delay) {

    public EchoProperties {
        if (delay == null) {
            delay = Duration.ZERO;
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("echo.delay (--delay) must not be negative, got " + delay);
        }
    }
}
