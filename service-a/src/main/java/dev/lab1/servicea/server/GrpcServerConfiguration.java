package dev.lab1.servicea.server;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

@Configuration(proxyBeanMethods = false)
class GrpcServerConfiguration {

    /**
     * grpc-java's default executor is an unbounded cached pool: a burst of calls becomes a burst of
     * threads. A fixed pool keeps A's threads flat under any load, and its bounded queue keeps its
     * memory flat. When the queue is full the task is refused (never run by the network thread that
     * hands it over: a handler blocked there, on a log write for instance, would stop every
     * connection of that thread) and its call answered RESOURCE_EXHAUSTED (HandlerQueueGuard).
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService grpcHandlers(GrpcServerTuning tuning) {
        return new ThreadPoolExecutor(tuning.handlerThreads(), tuning.handlerThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(tuning.handlerQueueCapacity()), new CustomizableThreadFactory("grpc-handler-"),
                new ThreadPoolExecutor.AbortPolicy());
    }

    @Bean
    GrpcServerConfigurer boundedGrpcServer(GrpcServerTuning tuning, ExecutorService grpcHandlers) {
        return builder -> {
            builder.executor(HandlerQueueGuard.executor(grpcHandlers));
            if (builder instanceof NettyServerBuilder netty) {
                netty.maxConcurrentCallsPerConnection(tuning.maxConcurrentCallsPerConnection());
            }
        };
    }
}
