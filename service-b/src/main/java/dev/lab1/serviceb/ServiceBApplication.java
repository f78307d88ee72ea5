package dev.lab1.serviceb;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The consumer: HTTP on 8081, calling service-a over one shared gRPC channel. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ServiceBApplication {

    public static void main(String[] args) {
        SpringApplication.run(ServiceBApplication.class, args);
    }
}
