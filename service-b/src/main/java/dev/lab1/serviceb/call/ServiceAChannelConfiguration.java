package dev.lab1.serviceb.call;

import java.util.List;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ManagedChannel;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelConfigurer;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelFactory;
import net.devh.boot.grpc.client.channelfactory.InProcessChannelFactory;
import net.devh.boot.grpc.client.channelfactory.InProcessOrAlternativeChannelFactory;
import net.devh.boot.grpc.client.channelfactory.ShadedNettyChannelFactory;
import net.devh.boot.grpc.client.config.GrpcChannelsProperties;
import net.devh.boot.grpc.client.interceptor.GlobalClientInterceptorRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The one channel to A and its stub.
 *
 * <p>The channel factory is net.devh's own (shaded Netty, or in-process for {@code in-process:}
 * addresses), built as its auto-configuration builds it, except that it also hands out the
 * {@link ManagedChannel}s it creates to {@link ServiceAConnection}, which needs A's to see its state
 * and reset its connect backoff; net.devh otherwise only returns it wrapped in interceptors.
 */
@Configuration(proxyBeanMethods = false)
class ServiceAChannelConfiguration {

    @Bean
    GrpcChannelFactory grpcChannelFactory(GrpcChannelsProperties properties, GlobalClientInterceptorRegistry interceptors,
                                          List<GrpcChannelConfigurer> configurers, ServiceAConnection connection) {
        var inProcess = new InProcessChannelFactory(properties, interceptors, configurers) {
            @Override
            protected ManagedChannel newManagedChannel(String name) {
                return connection.remember(super.newManagedChannel(name));
            }
        };
        var network = new ShadedNettyChannelFactory(properties, interceptors, configurers) {
            @Override
            protected ManagedChannel newManagedChannel(String name) {
                return connection.remember(super.newManagedChannel(name));
            }
        };
        return new InProcessOrAlternativeChannelFactory(properties, inProcess, network);
    }

    /**
     * The one stub for A, on the one channel kept for {@code grpc.client.service-a} (what
     * {@code @GrpcClient("service-a")} injects; never a channel per request), as a bean so that it
     * can be constructor-injected.
     */
    @Bean
    ServiceAGrpc.ServiceABlockingStub serviceAStub(GrpcChannelFactory channels) {
        return ServiceAGrpc.newBlockingStub(channels.createChannel(ServiceAClient.SERVICE_A));
    }
}
