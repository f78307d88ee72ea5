package dev.lab1.serviceb.errors;

import dev.lab1.serviceb.call.CallEchoOutcomes;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class JsonErrorsConfiguration {

    @Bean
    JettyServerCustomizer jsonErrorPages(CallEchoOutcomes callEcho) {
        return server -> server.setErrorHandler(new JsonErrorHandler(callEcho));
    }
}
