package dev.lab1.servicea;

import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * A plain gRPC channel to service-a on a real port, as any peer would open one (named so as not to
 * be taken for B's production {@code ServiceAClient}).
 */
final class GrpcPeer implements AutoCloseable {

    final ManagedChannel channel;

    GrpcPeer(int port) {
        this.channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
