package dev.lab1.servicea.echo;

import java.util.concurrent.ScheduledThreadPoolExecutor;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

@Configuration(proxyBeanMethods = false)
class DelayedRepliesConfiguration {

    /**
     * One timer thread sends every delayed reply; it only ever runs the cheap send, so one is
     * plenty. Cancelled replies leave the queue at once, so abandoned calls cost no memory.
     * Spring shuts it down after the gRPC server's graceful stop, so in-flight delays complete.
     */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledThreadPoolExecutor delayedReplies() {
        var executor = new ScheduledThreadPoolExecutor(1, new CustomizableThreadFactory("echo-delay-"));
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    /** {@code echo_delay_seconds}: the configured delay; {@code echo_delayed_replies}: calls waiting on it now. */
    @Bean
    MeterBinder delayMetrics(EchoProperties properties, ScheduledThreadPoolExecutor delayedReplies) {
        return registry -> {
            Gauge.builder("echo.delay", properties, p -> p.delay().toNanos() / 1e9)
                    .description("Configured delay of every Echo (--delay)").baseUnit("seconds").register(registry);
            Gauge.builder("echo.delayed.replies", delayedReplies, executor -> executor.getQueue().size())
                    .description("Echo calls waiting for their delay to pass").register(registry);
        };
    }
}
