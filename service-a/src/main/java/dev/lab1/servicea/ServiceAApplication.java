package dev.lab1.servicea;

import org.springframework.boot.SpringApplication;
import sun.misc.Signal;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The provider: answers {@code serviceA.ServiceA} over gRPC, Actuator over HTTP. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ServiceAApplication {

    public static void main(String[] args) {
        // SIGTERM is how a service is asked to stop: shut down gracefully (Spring's shutdown hook
        // lets calls in flight finish), then exit 0 rather than the JVM's 143.
        Signal.handle(new Signal("TERM"), signal -> System.exit(0));
        SpringApplication.run(ServiceAApplication.class, args);
    }
}
