package dev.lab1.managementserver;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * When Actuator runs on its own port ({@code management.server.port}), Spring Boot builds that
 * server in a child context and applies only its own server properties to it, not the application's
 * {@link JettyServerCustomizer}s: without this, the management port would read request bodies, keep
 * trickling headers and answer errors in Jetty's HTML. Listed in
 * {@code META-INF/spring/...ManagementContextConfiguration.imports}, and kept outside B's scanned
 * packages so that the main server is not customized twice.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
public class ManagementServerGuards {

    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> sameJettyGuardsAsTheMainServer(
            ObjectProvider<JettyServerCustomizer> mainServerCustomizers) {
        // The provider sees the parent context's beans: B's customizers (body refusal, header
        // deadline, JSON error handler); the child context declares none of its own.
        return factory -> factory.addServerCustomizers(mainServerCustomizers.orderedStream().toArray(JettyServerCustomizer[]::new));
    }
}
