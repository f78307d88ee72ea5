package dev.lab1.serviceb.web;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.thread.Scheduler;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A deadline for request headers, which Jetty lacks: its idle timeout restarts with every byte, so
 * a client sending its headers a byte a second keeps a connection forever. Every connection is
 * looked at each half {@code http-limits.request-header-timeout}; one that received bytes but no
 * complete request for two looks in a row is trickling, and is closed. An idle keep-alive
 * connection (no bytes) is left to the idle timeout; a normal request completes in microseconds.
 */
@Configuration(proxyBeanMethods = false)
class RequestHeaderDeadline {

    @Bean
    JettyServerCustomizer dropTricklingConnections(HttpLimits limits) {
        long periodMillis = Math.max(1, limits.requestHeaderTimeout().toMillis() / 2);
        return server -> {
            for (Connector connector : server.getConnectors()) {
                connector.addEventListener(new Watch(connector.getScheduler(), periodMillis));
            }
        };
    }

    private record Watch(Scheduler scheduler, long periodMillis) implements Connection.Listener {

        @Override
        public void onOpened(Connection connection) {
            lookLater(connection, connection.getMessagesIn(), connection.getBytesIn(), 0);
        }

        private void lookLater(Connection connection, long messages, long bytes, int trickling) {
            scheduler.schedule(() -> {
                if (!connection.getEndPoint().isOpen()) {
                    return;
                }
                long messagesNow = connection.getMessagesIn();
                long bytesNow = connection.getBytesIn();
                int stillTrickling = messagesNow == messages && bytesNow > bytes ? trickling + 1 : 0;
                if (stillTrickling >= 2) {
                    connection.getEndPoint().close();
                    return;
                }
                lookLater(connection, messagesNow, bytesNow, stillTrickling);
            }, periodMillis, TimeUnit.MILLISECONDS);
        }
    }
}
