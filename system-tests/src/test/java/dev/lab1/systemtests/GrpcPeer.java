package dev.lab1.systemtests;

import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

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

    /**
     * Watches A's overall status on {@code grpc.health.v1} (service "", as B's client-side health
     * check does): completes with the moment ({@link System#nanoTime}) A first reports {@code wanted},
     * or fails if the watch ends before that, naming the statuses A did report. The watch is
     * cancelled once {@code wanted} came: an open one is a call in flight, which A's shutdown waits for.
     */
    CompletableFuture<Long> whenStatus(ServingStatus wanted) {
        var reached = new CompletableFuture<Long>();
        var seen = new ArrayList<ServingStatus>();
        HealthGrpc.newStub(channel).watch(HealthCheckRequest.newBuilder().setService("").build(), new ClientResponseObserver<
                HealthCheckRequest, HealthCheckResponse>() {
            private ClientCallStreamObserver<HealthCheckRequest> call;

            @Override
            public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
                call = requestStream;
            }

            @Override
            public void onNext(HealthCheckResponse response) {
                seen.add(response.getStatus());
                if (response.getStatus() == wanted) {
                    reached.complete(System.nanoTime());
                    call.cancel("seen " + wanted, null);
                }
            }

            @Override
            public void onError(Throwable t) {
                ended(Status.fromThrowable(t).getCode().toString());
            }

            @Override
            public void onCompleted() {
                ended("completed");
            }

            private void ended(String how) {
                reached.completeExceptionally(new IllegalStateException(
                        "A's health watch ended (" + how + ") before " + wanted + "; A reported " + seen));
            }
        });
        return reached;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
