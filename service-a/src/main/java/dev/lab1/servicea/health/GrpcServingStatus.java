package dev.lab1.servicea.health;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps {@code grpc.health.v1.Health} truthful: {@code serviceA.ServiceA} is SERVING once the
 * server listens, and everything turns NOT_SERVING as soon as shutdown begins, so health-checking
 * clients move away while calls in flight still finish within the grace period.
 */
@Component
class GrpcServingStatus {

    private final HealthStatusManager health;

    GrpcServingStatus(HealthStatusManager health) {
        this.health = health;
    }

    @EventListener
    void serving(GrpcServerStartedEvent event) {
        health.setStatus(ServiceAGrpc.SERVICE_NAME, ServingStatus.SERVING);
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
    }

    @EventListener
    void shuttingDown(ContextClosedEvent event) {
        health.enterTerminalState();
    }
}
