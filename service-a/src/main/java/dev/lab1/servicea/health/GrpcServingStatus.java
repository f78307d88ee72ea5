package dev.lab1.servicea.health;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Whether A's gRPC server is serving, told the same way to gRPC and to HTTP: {@code serviceA.ServiceA}
 * is SERVING in {@code grpc.health.v1.Health} and this indicator ({@code grpcServer}, part of the
 * readiness group) is UP once the server listens; both turn NOT_SERVING / OUT_OF_SERVICE as soon as
 * shutdown begins, so callers move away while calls in flight still finish in the grace period.
 */
@Component("grpcServer")
class GrpcServingStatus implements HealthIndicator {

    private final HealthStatusManager grpcHealth;
    private volatile int port = -1;
    private volatile boolean serving;

    GrpcServingStatus(HealthStatusManager grpcHealth) {
        this.grpcHealth = grpcHealth;
    }

    @EventListener
    void serving(GrpcServerStartedEvent event) {
        port = event.getPort();
        serving = true;
        grpcHealth.setStatus(ServiceAGrpc.SERVICE_NAME, ServingStatus.SERVING);
        grpcHealth.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    }

    @EventListener
    void shuttingDown(ContextClosedEvent event) {
        serving = false;
        grpcHealth.enterTerminalState();
    }

    @Override
    public Health health() {
        return (serving ? Health.up() : Health.outOfService()).withDetail("port", port).build();
    }
}
