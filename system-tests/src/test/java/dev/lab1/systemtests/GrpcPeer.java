package dev.lab1.systemtests;

import java.util.concurrent.TimeUnit;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/**
 * A plain gRPC peer of service-a, as the original Python consumer was: one plaintext channel to a
 * port, the proto's stubs, nothing of B's. Stubs with a deadline are derived per call.
 */
final class GrpcPeer implements AutoCloseable {

    private final ManagedChannel channel;

    GrpcPeer(int port) {
        this(port, InsecureChannelCredentials.create());
    }

    /** With TLS credentials: a peer with or without a client certificate, trusting one CA or another. */
    GrpcPeer(int port, ChannelCredentials credentials) {
        channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    }

    ManagedChannel channel() {
        return channel;
    }

    /** A blocking stub whose calls end after {@code millis} (the original consumer used 1000). */
    ServiceAGrpc.ServiceABlockingStub serviceA(long millis) {
        return ServiceAGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
