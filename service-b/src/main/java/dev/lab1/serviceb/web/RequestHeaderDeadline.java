package dev.lab1.serviceb.web;

import java.util.concurrent.TimeUnit;

import dev.lab1.serviceb.ServiceBProperties;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.util.thread.Scheduler;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A deadline for request headers, which Jetty lacks: its idle timeout restarts with every byte, so
 * a client sending its headers a byte at a time keeps a connection forever. The deadline is absolute:
 * it runs from the first byte of a request's head, and neither new bytes nor silence restart it.
 * Jetty tells no one when a request's first byte arrives, so every connection is looked at each tenth
 * of {@code service-b.http.request-header-timeout} (at most each second): the first look that finds new
 * bytes but no newly completed head starts the clock (from the look before, when the first byte may
 * have come); a completed head stops it. A connection whose head is still incomplete when the deadline
 * has passed is closed, within two looks of it. An idle keep-alive connection (no bytes) is left to
 * the idle timeout; B refuses bodies (RequestBodyRefusal), so new bytes without a new head are a head.
 */
@Configuration(proxyBeanMethods = false)
class RequestHeaderDeadline {

    @Bean
    JettyServerCustomizer dropTricklingConnections(ServiceBProperties properties) {
        long timeoutNanos = properties.http().requestHeaderTimeout().toNanos();
        long periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), timeoutNanos / 10));
        return server -> {
            for (Connector connector : server.getConnectors()) {
                connector.addEventListener(new Watch(connector.getScheduler(), timeoutNanos, periodNanos));
            }
        };
    }

    private record Watch(Scheduler scheduler, long timeoutNanos, long periodNanos) implements Connection.Listener {

        /** No head in progress. */
        private static final long NONE = Long.MIN_VALUE;

        @Override
        public void onOpened(Connection connection) {
            // The connection may have bytes already (its first packet): the clock starts at its opening.
            look(connection, System.nanoTime(), 0, 0, NONE);
        }

        private void look(Connection connection, long lastLook, long messages, long bytes, long headSince) {
            long now = System.nanoTime();
            long messagesNow = connection.getMessagesIn(); // heads completed so far
            long bytesNow = connection.getBytesIn();
            long since;
            if (messagesNow != messages) {
                since = NONE;
            } else if (bytesNow > bytes && headSince == NONE) {
                since = lastLook;
            } else {
                since = headSince;
            }
            if (since != NONE && now - since >= timeoutNanos) {
                connection.getEndPoint().close();
                return;
            }
            scheduler.schedule(() -> {
                if (connection.getEndPoint().isOpen()) {
                    look(connection, now, messagesNow, bytesNow, since);
                }
            }, periodNanos, TimeUnit.NANOSECONDS);
        }
    }
}
