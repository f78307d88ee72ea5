package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.lab1.serviceb.servicea.ServiceAClient.LogLimiter;
import org.junit.jupiter.api.Test;

/** {@link ServiceAClient.LogLimiter}: how often B's own channel failures are logged. */
class LogLimiterTest {

    @Test
    void theFirstIsLoggedThenOnePerIntervalWithTheCountOfTheOthers() {
        var clock = new AtomicLong(1_000);
        var limiter = new LogLimiter(Duration.ofMinutes(1), clock::get);

        assertThat(limiter.admit()).isZero();
        assertThat(limiter.admit()).isEqualTo(LogLimiter.SKIP);
        clock.addAndGet(Duration.ofSeconds(59).toNanos());
        assertThat(limiter.admit()).isEqualTo(LogLimiter.SKIP);
        clock.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(limiter.admit()).isEqualTo(2);
        assertThat(limiter.admit()).isEqualTo(LogLimiter.SKIP);
    }
}
