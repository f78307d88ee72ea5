package dev.lab1.servicea.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import net.devh.boot.grpc.server.serverfactory.GrpcServerLifecycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ContextClosedEvent;

/** A's serving status, as gRPC health checkers and Actuator's readiness see it, from start to shutdown. */
class GrpcServingStatusTest {

    private final HealthStatusManager grpcHealth = new HealthStatusManager();
    private final GrpcServingStatus status = new GrpcServingStatus(grpcHealth);
    private final Server server;
    private final ManagedChannel channel;

    GrpcServingStatusTest() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(grpcHealth.getHealthService()).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void unknownBeforeTheServerListensThenServingThenNotServingAndOutOfServiceFromTheStartOfShutdown() {
        // Before the server listens: A's service is unknown to gRPC's health, readiness is down.
        // (The overall "" status is SERVING from the health manager's creation, gRPC's default,
        // so it proves nothing here; it matters at shutdown, below.)
        assertThatThrownBy(() -> check("serviceA.ServiceA")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND));
        assertThat(status.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        status.serving(new GrpcServerStartedEvent(mock(GrpcServerLifecycle.class), server, "*", 8080));

        assertThat(check("serviceA.ServiceA")).isEqualTo(ServingStatus.SERVING);
        assertThat(status.health().getStatus()).isEqualTo(Status.UP);
        assertThat(status.health().getDetails()).containsEntry("port", 8080);

        status.shuttingDown(new ContextClosedEvent(mock(ApplicationContext.class)));

        assertThat(check("serviceA.ServiceA")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check("")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(status.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }

    private ServingStatus check(String service) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }
}
