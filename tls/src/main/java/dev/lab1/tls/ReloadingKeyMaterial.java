package dev.lab1.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * The key and trusted certificates of one Spring Boot SSL bundle ({@code spring.ssl.bundle.*}), as
 * grpc-java's key and trust managers, kept up to date: when the bundle reloads (its
 * {@code reload-on-update}, after the files change on disk), the managers take the new material and
 * every handshake from then on uses it. Connections already open keep theirs.
 */
public final class ReloadingKeyMaterial {

    private static final Logger log = LoggerFactory.getLogger(ReloadingKeyMaterial.class);

    private final String bundleName;
    private final AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
    private final AdvancedTlsX509TrustManager trustManager;
    private volatile boolean hasKey;
    private volatile boolean hasTrust;

    private ReloadingKeyMaterial(String bundleName, Verification verification) throws GeneralSecurityException {
        this.bundleName = bundleName;
        this.trustManager = AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
    }

    /**
     * Loads the bundle now and again on each of its reloads.
     *
     * @param setting          the setting that names the bundle, for the error when it is not defined
     * @param verifyServerName a client checks the server's name (each replica's own); a server checks
     *                         client certificates against the CA only
     */
    public static ReloadingKeyMaterial follow(SslBundles bundles, String bundleName, String setting,
                                              boolean verifyServerName) {
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(bundleName);
        } catch (NoSuchSslBundleException e) {
            throw new IllegalStateException(setting + "=" + bundleName + " names no SSL bundle: define "
                    + "spring.ssl.bundle.pem." + bundleName + ".* (or .jks.), or run with the profile tls or mutual-tls", e);
        }
        try {
            var material = new ReloadingKeyMaterial(bundleName, verifyServerName
                    ? Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION : Verification.CERTIFICATE_ONLY_VERIFICATION);
            material.load(bundle);
            bundles.addBundleUpdateHandler(bundleName, material::reload);
            return material;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SSL bundle '" + bundleName + "' cannot be used: " + e.getMessage(), e);
        }
    }

    public AdvancedTlsX509KeyManager keyManager() {
        return keyManager;
    }

    public AdvancedTlsX509TrustManager trustManager() {
        return trustManager;
    }

    /** Whether the bundle has a key store (a certificate with its private key) to present. */
    public boolean hasKey() {
        return hasKey;
    }

    /** Whether the bundle has a trust store (the CA certificates the peer's certificate must chain to). */
    public boolean hasTrust() {
        return hasTrust;
    }

    private void reload(SslBundle bundle) {
        try {
            load(bundle);
        } catch (GeneralSecurityException | RuntimeException e) {
            // Keep serving with what was loaded before: a half-replaced pair of files is the usual cause,
            // and Spring reloads again when the rest arrives.
            log.warn("SSL bundle '{}' changed on disk but cannot be used, keeping the previous material: {}",
                    bundleName, e.toString());
        }
    }

    private void load(SslBundle bundle) throws GeneralSecurityException {
        KeyStore keyStore = bundle.getStores().getKeyStore();
        String identity = "none";
        if (keyStore != null) {
            String alias = bundle.getKey().getAlias() != null ? bundle.getKey().getAlias() : firstKeyAlias(keyStore);
            String password = bundle.getKey().getPassword() != null ? bundle.getKey().getPassword()
                    : bundle.getStores().getKeyStorePassword();
            var key = (PrivateKey) keyStore.getKey(alias, password == null ? null : password.toCharArray());
            X509Certificate[] chain = Arrays.stream(keyStore.getCertificateChain(alias))
                    .map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            keyManager.updateIdentityCredentials(chain, key);
            hasKey = true;
            identity = describe(chain[0]);
        }
        KeyStore trustStore = bundle.getStores().getTrustStore();
        int trusted = 0;
        if (trustStore != null) {
            var certificates = new ArrayList<X509Certificate>();
            for (String alias : Collections.list(trustStore.aliases())) {
                if (trustStore.getCertificate(alias) instanceof X509Certificate certificate) {
                    certificates.add(certificate);
                }
            }
            try {
                trustManager.updateTrustCredentials(certificates.toArray(X509Certificate[]::new));
            } catch (java.io.IOException e) {
                throw new GeneralSecurityException(e);
            }
            hasTrust = true;
            trusted = certificates.size();
        }
        log.info("SSL bundle '{}' in use: certificate {}; {} trusted CA certificate(s)", bundleName, identity, trusted);
    }

    private static String firstKeyAlias(KeyStore keyStore) throws GeneralSecurityException {
        for (String alias : Collections.list(keyStore.aliases())) {
            if (keyStore.isKeyEntry(alias)) {
                return alias;
            }
        }
        throw new GeneralSecurityException("the key store has no private key");
    }

    private static String describe(X509Certificate certificate) throws GeneralSecurityException {
        List<String> names = new ArrayList<>();
        if (certificate.getSubjectAlternativeNames() != null) {
            certificate.getSubjectAlternativeNames().forEach(name -> names.add(String.valueOf(name.get(1))));
        }
        return certificate.getSubjectX500Principal().getName() + " (names " + names + ", valid until "
                + certificate.getNotAfter().toInstant() + ")";
    }
}
