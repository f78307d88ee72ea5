package dev.lab1.serviceb;

import java.time.Duration;

import dev.lab1.tls.TlsMode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Every setting of B's own, under one prefix, {@code service-b} (application.yml documents each one
 * with its environment variable; docs/configuration.md lists them all). Resilience4j's, Spring
 * Boot's and gRPC's settings keep their own names.
 *
 * @param callEcho {@code GET /call-echo}
 * @param http     limits of B's HTTP servers that Spring Boot has no property for
 * @param serviceA B's one channel to A and the guards around it
 */
@Validated
@ConfigurationProperties("service-b")
public record ServiceBProperties(@NotNull @Valid CallEcho callEcho, @NotNull @Valid Http http,
                                 @NotNull @Valid ServiceA serviceA) {

    /**
     * @param maxMessageLength the longest {@code msg} accepted, in characters (Unicode code points);
     *                         longer ones get 400 and never reach A
     */
    public record CallEcho(@Positive int maxMessageLength) {
    }

    /**
     * @param requestHeaderTimeout how long a client may take to send a request's head, counted from its
     *                             first byte however it sends the rest (a "slowloris" client trickling a
     *                             byte at a time, which Jetty's idle timeout never catches); its
     *                             connection is closed within this plus two tenths of it (at most 2 s)
     */
    public record Http(@NotNull Duration requestHeaderTimeout) {
        public Http {
            requirePositive(requestHeaderTimeout, "service-b.http.request-header-timeout");
        }
    }

    /**
     * @param address           where A's replicas are: {@code static://h1:p1,h2:p2} (a fixed list) or
     *                          {@code dns:///name:port} (every address the name resolves to)
     * @param tls               plaintext, TLS or mutual TLS to A, and the key material
     * @param keepAliveTime     idle time on a connection after which B pings A
     * @param keepAliveTimeout  how long a ping may go unanswered before the connection counts as dead
     * @param idleTimeout       how long without a call before B closes its connections to A (gRPC's idle
     *                          mode); the next call connects again
     * @param reconnectInterval the longest wait between two connection attempts to a replica that is down
     * @param serviceConfig     gRPC service config (JSON): balancing over replicas, their health, ejection
     * @param connectWait       how long a call that finds no connection to A waits for one
     * @param hedging           re-sending a call a replica leaves unanswered to another one
     * @param warmUp            calls to A before B's web server opens
     * @param health            how B checks A's health for its own {@code /actuator/health}
     * @param breaker           the circuit breaker's rule beyond Resilience4j's own settings
     */
    public record ServiceA(@NotBlank String address, @NotNull @Valid Tls tls,
                           @NotNull Duration keepAliveTime, @NotNull Duration keepAliveTimeout,
                           @NotNull Duration idleTimeout, @NotNull Duration reconnectInterval, @NotBlank String serviceConfig,
                           @NotNull Duration connectWait, @NotNull @Valid Hedging hedging,
                           @NotNull @Valid WarmUp warmUp, @NotNull @Valid Health health,
                           @NotNull @Valid Breaker breaker) {
        public ServiceA {
            // Named here: gRPC and the reconnect scheduler would refuse them at start-up in their own words.
            requirePositive(keepAliveTime, "service-b.service-a.keep-alive-time");
            requirePositive(keepAliveTimeout, "service-b.service-a.keep-alive-timeout");
            requirePositive(idleTimeout, "service-b.service-a.idle-timeout");
            requirePositive(reconnectInterval, "service-b.service-a.reconnect-interval");
            if (connectWait == null || connectWait.isNegative()) {
                throw new IllegalArgumentException("service-b.service-a.connect-wait must not be negative");
            }
        }
    }

    /**
     * @param mode       {@code plaintext} (A's default; the original Python provider), {@code tls} (B checks
     *                   A's certificate against the bundle's trusted CA and A's name) or {@code mutual-tls}
     *                   (B also presents the bundle's certificate, which A requires)
     * @param bundle     the Spring Boot SSL bundle with B's certificate, key and the CA it trusts for A
     * @param directory  where the profiles {@code tls} and {@code mutual-tls} define that bundle's files:
     *                   {@code tls.crt}, {@code tls.key}, {@code ca.crt} (scripts/certs.sh, cert-manager)
     * @param serverName the name A's certificate must carry; blank: each replica's own host as written in
     *                   the address (for a list of IP addresses, set the name the certificate has)
     */
    public record Tls(@NotNull TlsMode mode, @NotBlank String bundle, @NotBlank String directory, String serverName) {
        public boolean checksEachReplicasOwnName() {
            return serverName == null || serverName.isBlank();
        }
    }

    /**
     * Hedging of {@code Echo} (idempotent), used when the address can name several replicas.
     *
     * @param maxAttempts attempts per call at most, the first included (1: no hedging)
     * @param minDelay    the shortest an attempt goes unanswered before the next one is sent
     * @param delayFactor the delay is this times the 95th percentile of recent answers' latency
     */
    public record Hedging(@Min(1) @Max(5) int maxAttempts, @NotNull Duration minDelay,
                          @DecimalMin("1.0") double delayFactor) {
    }

    /**
     * @param calls       Echo calls to A before B's web server opens (0: none)
     * @param maxDuration the longest the warm-up may delay B's start, waiting for the connection included
     */
    public record WarmUp(@Min(0) int calls, @NotNull Duration maxDuration) {
    }

    /**
     * @param cacheFor how long one check of A's {@code grpc.health.v1} is reused (at most one check per this period)
     * @param timeout  the deadline of one check
     */
    public record Health(@NotNull Duration cacheFor, @NotNull Duration timeout) {
        public Health {
            requirePositive(timeout, "service-b.service-a.health.timeout");
            if (cacheFor == null || cacheFor.isNegative()) {
                throw new IllegalArgumentException("service-b.service-a.health.cache-for must not be negative");
            }
        }
    }

    /**
     * @param unreachableFailuresToOpen failures of A in a row, while B cannot connect to A, that open
     *                                  the breaker at once; 0 turns that rule off
     */
    public record Breaker(@PositiveOrZero int unreachableFailuresToOpen) {
    }

    private static void requirePositive(Duration duration, String name) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration");
        }
    }
}
