package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lab1.serviceb.ServiceBProperties;
import dev.lab1.tls.TlsMode;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.grpc.LoadBalancerRegistry;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;
import org.springframework.core.io.FileSystemResource;

/** The service config B ships is one grpc-java accepts, with every policy it names available. */
class ServiceAChannelTest {

    /** A CA certificate whose key was never kept: enough for trust, and it cannot sign anything. */
    private static final String CA_ONLY = "classpath:tls/ca-only.crt";

    /** application.yml's {@code service-b.service-a.*}, bound as B binds it, with another address. */
    static ServiceBProperties.ServiceA properties(String address) {
        return properties(address, shipped().idleTimeout());
    }

    /** The same, with another idle timeout too. */
    static ServiceBProperties.ServiceA properties(String address, Duration idleTimeout) {
        ServiceBProperties.ServiceA shipped = shipped();
        return new ServiceBProperties.ServiceA(address, shipped.tls(), shipped.keepAliveTime(),
                shipped.keepAliveTimeout(), idleTimeout, shipped.reconnectInterval(), shipped.serviceConfig(), shipped.connectWait(),
                shipped.hedging(), shipped.warmUp(), shipped.health(), shipped.breaker());
    }

    private static ServiceBProperties.ServiceA shipped() {
        try {
            var yaml = new YamlPropertySourceLoader().load("b", new FileSystemResource(Path.of("src/main/resources/application.yml")));
            return new Binder(ConfigurationPropertySources.from(yaml)).bind("service-b", ServiceBProperties.class).get().serviceA();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void itsStartLineNamesTheModeAndInPlaintextNoCertificate() throws Exception {
        var logged = new ListAppender<ILoggingEvent>();
        logged.start();
        var logger = (Logger) LoggerFactory.getLogger(ServiceAChannel.class);
        logger.addAppender(logged);
        var channel = new ServiceAChannel(properties("static://127.0.0.1:1"), Tracer.NOOP, Propagator.NOOP);
        try {
            assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage)
                    .containsExactly("Channel to service A: address=static://127.0.0.1:1 tls=plaintext");
        } finally {
            logger.detachAppender(logged);
            channel.destroy();
        }
    }

    @Test
    void aDurationOfTheChannelThatIsNotPositiveStopsStartUpNamingTheSetting() {
        assertThatThrownBy(() -> properties("static://127.0.0.1:1", Duration.ZERO))
                .hasMessage("service-b.service-a.idle-timeout must be a positive duration");
        assertThatThrownBy(() -> properties("static://127.0.0.1:1", Duration.ofSeconds(-1)))
                .hasMessage("service-b.service-a.idle-timeout must be a positive duration");
    }

    @Test
    void plaintextNeedsNoBundle() {
        assertThat(ServiceAChannel.credentials(tls(TlsMode.PLAINTEXT), new DefaultSslBundleRegistry()))
                .isInstanceOf(InsecureChannelCredentials.class);
    }

    @Test
    void tlsNeedsTheCaThatSignsAsCertificate() {
        var withCa = bundles(SslBundle.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(CA_ONLY))));
        assertThat(ServiceAChannel.credentials(tls(TlsMode.TLS), withCa)).isInstanceOf(TlsChannelCredentials.class);

        var noCa = bundles(SslBundle.of(SslStoreBundle.NONE));
        assertThatThrownBy(() -> ServiceAChannel.credentials(tls(TlsMode.TLS), noCa))
                .hasMessageStartingWith("service-b.service-a.tls.mode=tls needs the CA that signs A's certificate in SSL bundle 'servicea'");
    }

    @Test
    void mutualTlsAlsoNeedsBsCertificateAndKey() {
        var caOnly = bundles(SslBundle.of(new PemSslStoreBundle(null, PemSslStoreDetails.forCertificate(CA_ONLY))));
        assertThatThrownBy(() -> ServiceAChannel.credentials(tls(TlsMode.MUTUAL_TLS), caOnly))
                .hasMessageStartingWith("service-b.service-a.tls.mode=mutual-tls needs B's certificate and key in SSL bundle 'servicea'");
    }

    private static ServiceBProperties.Tls tls(TlsMode mode) {
        return new ServiceBProperties.Tls(mode, "servicea", "unused", "service-a");
    }

    private static DefaultSslBundleRegistry bundles(SslBundle servicea) {
        var registry = new DefaultSslBundleRegistry();
        registry.registerBundle("servicea", servicea);
        return registry;
    }

    @Test
    void theShippedServiceConfigParsesWithEveryPolicyAvailable() {
        Map<String, ?> config = ServiceAChannel.serviceConfig(properties("unused").serviceConfig());

        @SuppressWarnings("unchecked")
        var balancing = (List<Map<String, Map<String, ?>>>) config.get("loadBalancingConfig");
        String policy = balancing.get(0).keySet().iterator().next();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider(policy)).as(policy).isNotNull();
        assertThat(LoadBalancerRegistry.getDefaultRegistry().getProvider("round_robin")).isNotNull();
        // grpc-java wants JSON numbers as doubles: an Integer would fail the config at the first call.
        @SuppressWarnings("unchecked")
        var outliers = (Map<String, Object>) balancing.get(0).get(policy);
        assertThat(outliers.get("maxEjectionPercent")).isInstanceOf(Double.class);
    }

    @Test
    void hedgingOnlyWhereThereCanBeAnotherReplica() {
        assertThat(ServiceAChannel.canNameSeveralReplicas("static://localhost:8080")).isFalse();
        assertThat(ServiceAChannel.canNameSeveralReplicas("static://h1:8080,h2:8080")).isTrue();
        assertThat(ServiceAChannel.canNameSeveralReplicas("dns:///service-a:8080")).isTrue();
    }

    @Test
    void anInvalidServiceConfigStopsStartUpNamingTheKey() {
        assertThatThrownBy(() -> ServiceAChannel.serviceConfig("{\"loadBalancingConfig\": [")).hasMessageContaining("service-b.service-a.service-config");
    }
}
