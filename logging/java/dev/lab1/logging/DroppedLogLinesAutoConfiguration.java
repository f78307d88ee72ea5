package dev.lab1.logging;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/** {@code logback_events_dropped_total}: log lines dropped because the console did not keep up. */
@AutoConfiguration
@ConditionalOnClass(MeterBinder.class)
public class DroppedLogLinesAutoConfiguration {

    @Bean
    MeterBinder droppedLogLines() {
        return registry -> FunctionCounter.builder("logback.events.dropped", DroppingAsyncAppender.class,
                        appender -> DroppingAsyncAppender.dropped())
                .description("Log lines dropped, not written, because the console (stdout) did not keep up")
                .register(registry);
    }
}
