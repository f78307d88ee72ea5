package dev.lab1.servicea.echo;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * How Echo behaves.
 *
 * @param delay            how long every Echo waits before answering, to play a slow dependency. A
 *                         plain number means seconds, as the original's {@code --delay N};
 *                         {@code 1500ms} and {@code 2s} work too. Set with {@code --delay=N} (see
 *                         application.yml).
 * @param maxMessageLength the longest {@code msg} Echo accepts, in characters (Unicode code points);
 *                         longer gets INVALID_ARGUMENT. B sends at most as many (its own limit).
 */
@ConfigurationProperties("service-a.echo")
public record EchoProperties(@DurationUnit(ChronoUnit.SECONDS) Duration delay,
                             @DefaultValue("1024") int maxMessageLength) {

    public EchoProperties {
        if (delay == null) {
            delay = Duration.ZERO;
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("service-a.echo.delay (--delay) must not be negative, got " + delay);
        }
        if (maxMessageLength <= 0) {
            throw new IllegalArgumentException("service-a.echo.max-message-length must be positive, got " + maxMessageLength);
        }
    }
}
