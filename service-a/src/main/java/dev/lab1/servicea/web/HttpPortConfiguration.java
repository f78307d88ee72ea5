package dev.lab1.servicea.web;

import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class HttpPortConfiguration {

    /** Tomcat with a deadline for request heads (HeaderDeadlineProtocol). */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> requestHeaderDeadline(HttpLimits limits) {
        return factory -> {
            factory.setProtocol(HeaderDeadlineProtocol.class.getName());
            factory.addConnectorCustomizers(connector -> {
                if (connector.getProtocolHandler() instanceof HeaderDeadlineProtocol protocol) {
                    protocol.setRequestHeaderTimeoutNanos(limits.requestHeaderTimeout().toNanos());
                }
            });
        };
    }
}
