package dev.lab1.serviceb.errors;

import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class JsonErrorsConfiguration {

    @Bean
    JettyServerCustomizer jsonErrorPages() {
        return server -> server.setErrorHandler(new JsonErrorHandler());
    }
}
