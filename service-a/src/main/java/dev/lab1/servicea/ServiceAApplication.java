package dev.lab1.servicea;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The provider: answers {@code serviceA.ServiceA} over gRPC, Actuator over HTTP. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ServiceAApplication {

    public static void main(String[] args) {
        SpringApplication.run(ServiceAApplication.class, args);
    }
}
