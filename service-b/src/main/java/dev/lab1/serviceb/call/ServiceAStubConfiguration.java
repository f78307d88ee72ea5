package dev.lab1.serviceb.call;

import dev.lab1.proto.ServiceAGrpc;
import net.devh.boot.grpc.client.channelfactory.GrpcChannelFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class ServiceAStubConfiguration {

    /**
     * The one stub for A, on the one channel net.devh keeps for {@code grpc.client.service-a}
     * (what {@code @GrpcClient("service-a")} injects; never a channel per request). A bean, so it
     * can be constructor-injected.
     */
    @Bean
    ServiceAGrpc.ServiceABlockingStub serviceAStub(GrpcChannelFactory channels) {
        return ServiceAGrpc.newBlockingStub(channels.createChannel(ServiceAClient.SERVICE_A));
    }
}
