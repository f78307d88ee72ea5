package dev.lab1.servicea.echo;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

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
}
