package dev.lab1.servicebmanagement;

import dev.lab1.serviceb.web.JsonErrors;
import jakarta.servlet.Filter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.boot.web.embedded.jetty.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * B's management port (Actuator on {@code management.server.port}) is guarded and answers errors as
 * its public port does. Boot runs that port from a child context whose Jetty server is built without
 * the main context's {@code JettyServerCustomizer}s, filters or error controller: this configuration
 * adds them (see {@link JsonErrors}).
 *
 * <p>Outside {@code dev.lab1.serviceb} on purpose: the application's component scan must not load it
 * into the main context as well. Boot loads it into the management context only, from
 * {@code META-INF/spring/org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration.imports}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class ManagementPortConfiguration {

    /**
     * Every Jetty customizer of the main context (B's guards for its web server, such as the
     * request-header deadline), then B's JSON error handler in place of the main server's, which
     * counts refused {@code /call-echo} requests.
     */
    @Bean
    WebServerFactoryCustomizer<JettyServletWebServerFactory> mainServerCustomizers(
            ObjectProvider<JettyServerCustomizer> customizers) { // this context's and its parent's
        return factory -> {
            factory.getServerCustomizers().addAll(customizers.orderedStream().toList());
            factory.addServerCustomizers(JsonErrors.managementJettyErrors());
        };
    }

    @Bean
    Filter traceRefusingFilter() {
        return JsonErrors.managementTraceRefusal();
    }

    @Bean
    RouterFunction<ServerResponse> jsonErrorPage(ServerProperties server) {
        return JsonErrors.managementErrorPage(server.getError().getPath());
    }
}
