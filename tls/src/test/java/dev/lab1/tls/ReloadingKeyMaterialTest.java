package dev.lab1.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.pem.PemSslStoreBundle;
import org.springframework.boot.ssl.pem.PemSslStoreDetails;

/** Key material from a bundle, and again from the bundle that replaces it (Spring's reload). */
class ReloadingKeyMaterialTest {

    @TempDir
    static Path certs;

    /** Two generations of A's certificate from one CA, made by the repository's script. */
    @BeforeAll
    static void makeCertificates() throws Exception {
        Path script = Path.of(System.getProperty("repo.root", "..")).resolve("scripts/certs.sh");
        run("bash", script.toString(), certs.resolve("one").toString());
        run("bash", script.toString(), "--ca", certs.resolve("one/ca").toString(), certs.resolve("two").toString());
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
    }

    private static SslBundle bundle(String generation) throws Exception {
        Path dir = certs.resolve(generation).resolve("service-a");
        var keyStore = PemSslStoreDetails.forCertificate(Files.readString(dir.resolve("tls.crt")))
                .withPrivateKey(Files.readString(dir.resolve("tls.key")));
        var trustStore = PemSslStoreDetails.forCertificate(Files.readString(dir.resolve("ca.crt")));
        return SslBundle.of(new PemSslStoreBundle(keyStore, trustStore));
    }

    private static X509Certificate presented(ReloadingKeyMaterial material) {
        String alias = material.keyManager().chooseEngineServerAlias("EC", null, null);
        return material.keyManager().getCertificateChain(alias)[0];
    }

    @Test
    void followsTheBundleWhenItIsReplaced() throws Exception {
        var registry = new DefaultSslBundleRegistry();
        registry.registerBundle("grpc", bundle("one"));
        var material = ReloadingKeyMaterial.follow(registry, "grpc", "service-a.grpc.tls.bundle", false);
        assertThat(material.hasKey()).isTrue();
        assertThat(material.hasTrust()).isTrue();
        var first = presented(material);
        assertThat(material.trustManager().getAcceptedIssuers()).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("CN=lab1 development CA");

        registry.updateBundle("grpc", bundle("two"));

        var second = presented(material);
        assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
        assertThat(second.getIssuerX500Principal()).isEqualTo(first.getIssuerX500Principal());
    }

    @Test
    void aBundleThatIsNotDefinedNamesTheSettingAndHowToDefineIt() {
        assertThatThrownBy(() -> ReloadingKeyMaterial.follow(new DefaultSslBundleRegistry(), "grpc", "service-a.grpc.tls.bundle", false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("service-a.grpc.tls.bundle=grpc names no SSL bundle")
                .hasMessageContaining("spring.ssl.bundle.pem.grpc");
    }
}
