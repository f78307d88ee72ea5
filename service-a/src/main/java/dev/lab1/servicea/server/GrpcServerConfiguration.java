package dev.lab1.servicea.server;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

@Configuration(proxyBeanMethods = false)
class GrpcServerConfiguration {

    /**
     * grpc-java's default executor is an unbounded cached pool: a burst of calls becomes a burst of
     * threads. A fixed pool keeps A's threads (and memory) flat under any load.
     */
    @Bean(destroyMethod = "shutdown")
    ExecutorService grpcHandlers(GrpcServerTuning tuning) {
        return Executors.newFixedThreadPool(tuning.handlerThreads(), new CustomizableThreadFactory("grpc-handler-"));
    }

    @Bean
    GrpcServerConfigurer boundedGrpcServer(GrpcServerTuning tuning, ExecutorService grpcHandlers) {
        return builder -> {
            builder.executor(grpcHandlers);
            if (builder instanceof NettyServerBuilder netty) {
                netty.maxConcurrentCallsPerConnection(tuning.maxConcurrentCallsPerConnection());
            }
        };
    }
}
