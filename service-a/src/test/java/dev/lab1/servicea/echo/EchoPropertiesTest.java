package dev.lab1.servicea.echo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import dev.lab1.servicea.ServiceAApplication;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class EchoPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Config.class);

    @Test
    void aPlainNumberIsSecondsAsInTheOriginal() {
        assertDelay("2", Duration.ofSeconds(2));
    }

    @Test
    void unitsAreAccepted() {
        assertDelay("1500ms", Duration.ofMillis(1500));
        assertDelay("2s", Duration.ofSeconds(2));
    }

    @Test
    void noDelayByDefault() {
        runner.run(context -> assertThat(context.getBean(EchoProperties.class).delay()).isZero());
    }

    @Test
    void aNegativeDelayStopsStartUpWithAClearMessage() {
        runner.withPropertyValues("service-a.echo.delay=-1").run(context ->
                assertThat(context).getFailure().rootCause()
                        .hasMessageContaining("must not be negative"));
    }

    @Test
    void theCommandLineFlagReachesTheProperty() {
        // --delay=N is the original's flag; application.yml maps it onto service-a.echo.delay.
        assertThatThrownBy(() -> SpringApplication.run(ServiceAApplication.class,
                "--delay=soon", "--grpc.server.port=-1", "--server.port=0"))
                .hasStackTraceContaining("service-a.echo.delay")
                .hasStackTraceContaining("soon");
    }

    private void assertDelay(String value, Duration expected) {
        runner.withPropertyValues("service-a.echo.delay=" + value).run(context ->
                assertThat(context.getBean(EchoProperties.class).delay()).isEqualTo(expected));
    }

    @EnableConfigurationProperties(EchoProperties.class)
    static class Config {
    }
}
