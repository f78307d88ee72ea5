package dev.lab1.serviceb.call;

import java.time.Duration;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * B's one channel to A (application.yml, {@code service-a.*}, documents each knob).
 *
 * @param address           where A's replicas are: {@code static://h1:p1,h2:p2} (a fixed list),
 *                          {@code dns:///name:port} (every address the name resolves to),
 *                          {@code in-process:name} (tests)
 * @param negotiationType   {@code plaintext} or {@code tls} (the JVM's trust store)
 * @param keepAliveTime     idle time on a connection after which B pings A
 * @param keepAliveTimeout  how long a ping may go unanswered before the connection counts as dead
 * @param reconnectInterval the longest wait between two connection attempts to a replica that is down
 * @param serviceConfig     gRPC service config (JSON): balancing over replicas, their health, ejection
 * @param hedging           re-sending a call a replica leaves unanswered to another one
 * @param connectWait       how long a call that finds no connection to A waits for one
 * @param warmUp            calls to A before B's web server opens
 */
@Validated
@ConfigurationProperties("service-a")
public record ServiceAChannelProperties(@NotBlank String address, @NotNull NegotiationType negotiationType,
                                        @NotNull Duration keepAliveTime, @NotNull Duration keepAliveTimeout,
                                        @NotNull Duration reconnectInterval, @NotBlank String serviceConfig,
                                        @NotNull @Valid Hedging hedging, @NotNull Duration connectWait,
                                        @NotNull @Valid WarmUp warmUp) {

    public enum NegotiationType { PLAINTEXT, TLS }

    /**
     * Hedging of {@code Echo} (idempotent), used when {@code address} can name several replicas
     * ({@link HedgedEcho}).
     *
     * @param maxAttempts attempts per call at most, the first included (1: no hedging)
     * @param minDelay    the shortest an attempt goes unanswered before the next one is sent
     * @param delayFactor the delay is this times the 95th percentile of recent answers' latency
     */
    public record Hedging(@Min(1) @Max(5) int maxAttempts, @NotNull Duration minDelay,
                          @DecimalMin("1.0") double delayFactor) {
    }

    /**
     * B's warm-up, before its web server opens ({@link ServiceAWarmUp}).
     *
     * @param calls       Echo calls to A (0: none)
     * @param maxDuration the longest the warm-up may delay B's start, waiting for the connection included
     */
    public record WarmUp(@Min(0) int calls, @NotNull Duration maxDuration) {
    }
}
