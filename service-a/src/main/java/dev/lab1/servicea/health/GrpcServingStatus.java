package dev.lab1.servicea.health;

import dev.lab1.proto.ServiceAGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Whether A's gRPC server is serving, told the same way to gRPC and to HTTP: {@code serviceA.ServiceA}
 * is SERVING in {@code grpc.health.v1.Health} and this indicator ({@code grpcServer}, part of the
 * readiness group) is UP once the server listens.
 *
 * <p>On SIGTERM both turn NOT_SERVING / OUT_OF_SERVICE at once, and A keeps serving for
 * {@code service-a.shutdown.drain} while its clients move new calls to other replicas; only then does
 * the gRPC server stop taking calls (net.devh's lifecycle, after this event), and the calls in flight
 * finish within {@code grpc.server.shutdown-grace-period}.
 */
@Component("grpcServer")
class GrpcServingStatus implements HealthIndicator {

    private static final Logger log = LoggerFactory.getLogger(GrpcServingStatus.class);

    private final HealthStatusManager grpcHealth;
    private final ShutdownDrain shutdown;
    private volatile int port = -1;
    private volatile boolean serving;

    GrpcServingStatus(HealthStatusManager grpcHealth, ShutdownDrain shutdown) {
        this.grpcHealth = grpcHealth;
        this.shutdown = shutdown;
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
        if (port >= 0 && !shutdown.drain().isZero()) {
            log.info("service=A shutdown: NOT_SERVING, still serving for {} ms while clients move away",
                    shutdown.drain().toMillis());
            try {
                Thread.sleep(shutdown.drain().toMillis()); // the drain period itself, not a wait for state
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stop draining; shutdown goes on
            }
        }
    }

    @Override
    public Health health() {
        return (serving ? Health.up() : Health.outOfService()).withDetail("port", port).build();
    }
}
