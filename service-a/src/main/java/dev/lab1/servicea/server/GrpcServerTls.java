package dev.lab1.servicea.server;

import java.net.Socket;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

import dev.lab1.tls.ReloadingKeyMaterial;
import dev.lab1.tls.TlsMode;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.internal.tcnative.CertificateVerifier;
import net.devh.boot.grpc.server.serverfactory.GrpcServerConfigurer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Who may call A ({@code service-a.grpc.tls.mode}). With TLS, A's gRPC port presents the certificate
 * of the SSL bundle {@code service-a.grpc.tls.bundle}; with mutual TLS it also requires a client
 * certificate signed by the bundle's trusted CA, so a caller without one is refused at the
 * handshake, before any call. New certificate files are picked up by new connections when the
 * bundle reloads ({@code reload-on-update}), without a restart.
 */
@Configuration(proxyBeanMethods = false)
class GrpcServerTls {

    private static final Logger log = LoggerFactory.getLogger(GrpcServerTls.class);

    @Bean
    GrpcServerConfigurer tlsOnTheGrpcPort(GrpcServerTuning tuning, SslBundles bundles) {
        GrpcServerTuning.Tls tls = tuning.tls();
        if (!tls.mode().encrypted()) {
            log.info("gRPC port in plaintext: any client may call (service-a.grpc.tls.mode=plaintext)");
            return builder -> { };
        }
        var material = ReloadingKeyMaterial.follow(bundles, tls.bundle(), "service-a.grpc.tls.bundle", false);
        if (!material.hasKey()) {
            throw new IllegalStateException("service-a.grpc.tls.mode=" + tls.mode() + " needs a certificate and key "
                    + "in SSL bundle '" + tls.bundle() + "' (its keystore)");
        }
        boolean mutual = tls.mode() == TlsMode.MUTUAL_TLS;
        if (mutual && !material.hasTrust()) {
            throw new IllegalStateException("service-a.grpc.tls.mode=mutual-tls needs the CA that signs client "
                    + "certificates in SSL bundle '" + tls.bundle() + "' (its truststore)");
        }
        SslContextBuilder context = GrpcSslContexts.configure(SslContextBuilder.forServer(material.keyManager()));
        if (mutual) {
            context.trustManager(new LoggingClientTrust(material.trustManager())).clientAuth(ClientAuth.REQUIRE);
        }
        log.info("gRPC port in {}: {}", tls.mode().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                mutual ? "only clients with a certificate from the trusted CA may call" : "calls are encrypted, any client may call");
        try {
            var sslContext = context.build();
            return builder -> {
                if (builder instanceof NettyServerBuilder netty) {
                    netty.sslContext(sslContext);
                }
            };
        } catch (SSLException e) {
            throw new IllegalStateException("SSL bundle '" + tls.bundle() + "' cannot be used for gRPC: " + e.getMessage(), e);
        }
    }

    /**
     * Checks client certificates with the bundle's trust, and logs each one it refuses in one line:
     * who the client said it was, who signed that, and why it is refused (no stack trace: a stranger
     * retrying would fill the log). A client that sends no certificate at all is refused by the TLS
     * library before any check; grpc-java logs that only at DEBUG (ProtocolNegotiators).
     * <p>
     * A certificate no trusted CA signed is refused with the TLS alert {@code unknown_ca}, which
     * names the cause to the client (B reads it as "A refused B's certificate"). Netty's OpenSSL
     * engine turns a plain {@link CertificateException} into "unspecified", sent as the alert
     * {@code internal_error}, as if A had failed; its {@link OpenSslCertificateException} carries
     * the verification error instead. (Netty's JDK engine treats it as the CertificateException it is.)
     */
    static final class LoggingClientTrust extends X509ExtendedTrustManager {

        private final X509ExtendedTrustManager trust;

        LoggingClientTrust(X509ExtendedTrustManager trust) {
            this.trust = trust;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            logIfRefused(chain, () -> trust.checkClientTrusted(chain, authType, engine));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            logIfRefused(chain, () -> trust.checkClientTrusted(chain, authType, socket));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            logIfRefused(chain, () -> trust.checkClientTrusted(chain, authType));
        }

        private interface Check {
            void run() throws CertificateException;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            trust.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            trust.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            trust.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return trust.getAcceptedIssuers();
        }

        private static void logIfRefused(X509Certificate[] chain, Check check) throws CertificateException {
            try {
                check.run();
            } catch (CertificateException e) {
                Throwable root = e;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                boolean any = chain != null && chain.length > 0;
                log.warn("gRPC client refused at the TLS handshake: certificate {} issued by {}: {}",
                        any ? chain[0].getSubjectX500Principal().getName() : "(none)",
                        any ? chain[0].getIssuerX500Principal().getName() : "(none)", root.getMessage());
                throw signedByNoTrustedCa(root)
                        ? new OpenSslCertificateException(e.getMessage(), e, CertificateVerifier.X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY)
                        : e;
            }
        }

        /** No path from the certificate to a trusted CA: the JDK's path builder or validator says so. */
        private static boolean signedByNoTrustedCa(Throwable root) {
            return root instanceof CertPathBuilderException
                    || root instanceof CertPathValidatorException e && e.getReason() == PKIXReason.NO_TRUST_ANCHOR;
        }
    }
}
