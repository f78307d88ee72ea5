package dev.lab1.servicea;

import net.devh.boot.grpc.server.event.GrpcServerStartedEvent;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.context.event.EventListener;

/** The port the gRPC server really bound, when tests start it on port 0 (a free port). */
@TestComponent
class GrpcPort {

    private volatile int port;

    @EventListener
    void on(GrpcServerStartedEvent event) {
        port = event.getPort();
    }

    int get() {
        return port;
    }
}
