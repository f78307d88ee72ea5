package dev.lab1.serviceb.servicea;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.serviceb.ServiceBProperties;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolverRegistry;
import io.grpc.TlsChannelCredentials;
import dev.lab1.tls.ReloadingKeyMaterial;
import dev.lab1.tls.TlsMode;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.stereotype.Component;

/**
 * B's one channel to A, shared by every call and by the health check: where A's replicas are,
 * how calls are spread over them, and how B reconnects.
 *
 * <ul>
 * <li>{@code service-b.service-a.address} names one A or several replicas.</li>
 * <li>{@code service-b.service-a.service-config} (gRPC's own service config) balances calls round-robin over
 *     the replicas and ejects the ones that fail. When there can be several replicas, only those
 *     that answer {@code grpc.health.v1} SERVING get calls (and {@link HedgedEcho} re-sends a call
 *     a replica leaves unanswered to another one, within the same deadline).</li>
 * <li>grpc-java's reconnect backoff grows to 2 minutes: a replica that is back would wait that long.
 *     Every {@code service-b.service-a.reconnect-interval} the backoff is reset, so a replica that comes back
 *     (or is added to a list) gets calls within that interval. {@link #reconnectNow()} does it at once.</li>
 * <li>The channel connects when B starts, not at the first call, and a call that finds no connection
 *     can wait for one ({@link #awaitConnected}) instead of failing on a refusal that may be stale.</li>
 * </ul>
 *
 * Every call carries the trace context of B's request to A ({@link TraceContextInterceptor}).
 */
@Component
public class ServiceAChannel implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ServiceAChannel.class);

    private final ManagedChannel channel;
    private final Channel traced;
    private final ScheduledExecutorService reconnects;
    /** Completed while the channel is READY; a new one is made when it leaves READY. */
    private volatile CompletableFuture<Void> connected = new CompletableFuture<>();
    private final AtomicLong lastReconnectNanos = new AtomicLong(System.nanoTime() - RECONNECT_SPACING_NANOS);

    /** Resetting the backoff also refreshes the name resolution: at most this often. */
    private static final long RECONNECT_SPACING_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Autowired
    ServiceAChannel(ServiceBProperties properties, SslBundles bundles, Tracer tracer, ObjectProvider<Propagator> propagator) {
        // With tracing off (management.tracing.enabled=false, as in @SpringBootTest) there is no
        // propagator and no context to send.
        this(properties.serviceA(), credentials(properties.serviceA().tls(), bundles), tracer,
                propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    /** A plaintext channel (tests). */
    ServiceAChannel(ServiceBProperties.ServiceA properties, Tracer tracer, Propagator propagator) {
        this(properties, InsecureChannelCredentials.create(), tracer, propagator);
    }

    ServiceAChannel(ServiceBProperties.ServiceA properties, ChannelCredentials credentials, Tracer tracer,
                    Propagator propagator) {
        this.channel = builder(properties, credentials).build();
        this.traced = ClientInterceptors.intercept(channel, new TraceContextInterceptor(tracer, propagator));
        this.reconnects = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "service-a-reconnect");
            thread.setDaemon(true);
            return thread;
        });
        long interval = properties.reconnectInterval().toMillis();
        reconnects.scheduleWithFixedDelay(channel::resetConnectBackoff, interval, interval, TimeUnit.MILLISECONDS);
        // Connect now: B's first calls should not pay for the connection (nor time out waiting for it).
        watch(channel.getState(true));
        log.info("Channel to service A: address={} tls={}{}", properties.address(),
                asWritten(properties.tls().mode()),
                !properties.tls().mode().encrypted() ? ""
                        : properties.tls().checksEachReplicasOwnName() ? " (each replica's certificate must name its host)"
                        : " (A's certificate must name " + properties.tls().serverName() + ")");
    }

    /**
     * Plaintext, or TLS with the trusted CA of the bundle {@code service-b.service-a.tls.bundle} (and,
     * for mutual TLS, its certificate and key), following the bundle's reloads: new connections use
     * the files on disk now, without a restart.
     */
    static ChannelCredentials credentials(ServiceBProperties.Tls tls, SslBundles bundles) {
        if (!tls.mode().encrypted()) {
            return InsecureChannelCredentials.create();
        }
        var material = ReloadingKeyMaterial.follow(bundles, tls.bundle(), "service-b.service-a.tls.bundle", true);
        if (!material.hasTrust()) {
            throw new IllegalStateException("service-b.service-a.tls.mode=" + asWritten(tls.mode()) + " needs the CA that signs A's "
                    + "certificate in SSL bundle '" + tls.bundle() + "' (its truststore)");
        }
        var credentials = TlsChannelCredentials.newBuilder().trustManager(material.trustManager());
        if (tls.mode() == TlsMode.MUTUAL_TLS) {
            if (!material.hasKey()) {
                throw new IllegalStateException("service-b.service-a.tls.mode=mutual-tls needs B's certificate and key "
                        + "in SSL bundle '" + tls.bundle() + "' (its keystore)");
            }
            credentials.keyManager(material.keyManager());
        }
        return credentials.build();
    }

    /** The mode as the setting spells it: plaintext, tls, mutual-tls. */
    private static String asWritten(TlsMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static ManagedChannelBuilder<?> builder(ServiceBProperties.ServiceA properties, ChannelCredentials credentials) {
        String address = properties.address().trim();
        ServiceBProperties.Tls tls = properties.tls();
        ManagedChannelBuilder<?> builder;
        if (address.startsWith(StaticAddresses.SCHEME + "://")) {
            var registry = new NameResolverRegistry();
            registry.register(StaticAddresses.parse(address, tls.checksEachReplicasOwnName()));
            builder = Grpc.newChannelBuilder(StaticAddresses.TARGET, credentials, registry);
        } else {
            builder = Grpc.newChannelBuilder(address, credentials);
        }
        if (!tls.checksEachReplicasOwnName()) {
            builder.overrideAuthority(tls.serverName().trim());
        }
        builder.keepAliveTime(properties.keepAliveTime().toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(properties.keepAliveTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .idleTimeout(properties.idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
        Map<String, Object> config = serviceConfig(properties.serviceConfig());
        if (canNameSeveralReplicas(address)) {
            // A replica that reports NOT_SERVING (draining on SIGTERM) gets no new call. Not with one
            // A: there is nobody else to call, and the health check's own retry backoff, which
            // resetConnectBackoff does not reset, could hold back the first call after an outage.
            config.put("healthCheckConfig", Map.of("serviceName", ""));
        }
        return builder.defaultServiceConfig(config)
                .disableServiceConfigLookUp(); // the policy is B's, never whatever a DNS TXT record says
    }

    /**
     * A list of two or more, or a DNS name (it may resolve to several addresses). With one A there is
     * no other replica to move calls to: hedging would only multiply the calls a slow A gets and
     * delay the answer when A is down.
     */
    static boolean canNameSeveralReplicas(String address) {
        return !address.startsWith(StaticAddresses.SCHEME + "://") || StaticAddresses.parse(address).size() > 1;
    }

    /** The service config as grpc-java takes it: JSON objects, lists, strings, booleans and doubles. */
    static Map<String, Object> serviceConfig(String json) {
        try {
            @SuppressWarnings("unchecked")
            var config = (Map<String, Object>) doubles(new ObjectMapper().readValue(json, Map.class));
            return config;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("service-b.service-a.service-config is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Object doubles(Object value) {
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        if (value instanceof Map<?, ?> map) {
            var copy = new LinkedHashMap<String, Object>();
            map.forEach((k, v) -> copy.put((String) k, doubles(v)));
            return copy;
        }
        if (value instanceof List<?> list) {
            return list.stream().map(ServiceAChannel::doubles).toList();
        }
        return value;
    }

    /** The channel to call A on (with the trace context). */
    public Channel channel() {
        return traced;
    }

    /** READY while at least one replica is connected. */
    public boolean isConnected() {
        return channel.getState(false) == ConnectivityState.READY;
    }

    /**
     * The last attempt to connect failed, for every replica (TRANSIENT_FAILURE): A is unreachable, not
     * merely reconnecting (CONNECTING, as right after a dropped connection) nor idle.
     */
    public boolean isUnreachable() {
        return channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE;
    }

    /**
     * Connect to every replica that is down now, rather than at the end of its backoff. At most once
     * per 100 ms (every call of a burst may ask; one reset serves them all).
     */
    public void reconnectNow() {
        long last = lastReconnectNanos.get();
        long now = System.nanoTime();
        if (now - last >= RECONNECT_SPACING_NANOS && lastReconnectNanos.compareAndSet(last, now)) {
            channel.resetConnectBackoff();
        }
    }

    /**
     * Waits, at most {@code max}, for a connection to A, asking for one at once if there is none: after
     * A comes back, the channel's last refusal is stale until its next attempt, and a call made
     * meanwhile would fail with it; after a quiet period the channel is idle (no connection) and
     * would not connect before a call starts. Returns whether the channel is connected.
     */
    public boolean awaitConnected(Duration max) {
        // true: an idle channel starts connecting now (resetting the backoff alone leaves it idle).
        if (channel.getState(true) == ConnectivityState.READY) {
            return true;
        }
        reconnectNow();
        try {
            connected.get(max.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Keeps {@link #connected} in step with the channel's state, from one state change to the next. */
    private void watch(ConnectivityState state) {
        if (state == ConnectivityState.READY) {
            connected.complete(null);
        } else if (connected.isDone()) {
            connected = new CompletableFuture<>();
        }
        if (state != ConnectivityState.SHUTDOWN) {
            channel.notifyWhenStateChanged(state, () -> watch(channel.getState(false)));
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        reconnects.shutdownNow();
        // Calls still in flight have had the web server's graceful shutdown to finish.
        channel.shutdown();
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
            channel.shutdownNow();
        }
    }
}
