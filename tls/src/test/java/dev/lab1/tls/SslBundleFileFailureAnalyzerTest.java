package dev.lab1.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Spring Boot's own failures to load a bundle (their shapes as 3.5 throws them), told with the setting named. */
class SslBundleFileFailureAnalyzerTest {

    private final StandardEnvironment environment = new StandardEnvironment();
    private final SslBundleFileFailureAnalyzer analyzer = new SslBundleFileFailureAnalyzer(environment);

    SslBundleFileFailureAnalyzerTest() {
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
                "spring.ssl.bundle.pem.grpc.keystore.certificate", "file:/etc/tls/tls.crt",
                "spring.ssl.bundle.pem.grpc.keystore.private-key", "file:/etc/tls/tls.key",
                "spring.ssl.bundle.pem.grpc.keystore.private-key-password", "secret",
                "spring.ssl.bundle.pem.grpc.truststore.certificate", "file:/etc/tls/ca.crt")));
    }

    @Test
    void aMissingFileIsNamedWithTheSettingThatNamesIt() {
        var failure = new IllegalStateException("Unable to create key store: Error reading certificate or key from file 'file:/etc/tls/tls.crt'",
                new UncheckedIOException(new IOException("Error reading certificate or key from file 'file:/etc/tls/tls.crt'",
                        new FileNotFoundException("/etc/tls/tls.crt (No such file or directory)"))));
        var analysis = analyzer.analyze(failure);
        assertThat(analysis.getDescription()).isEqualTo("The file /etc/tls/tls.crt, named by spring.ssl.bundle.pem.grpc.keystore.certificate,"
                + " cannot be used: /etc/tls/tls.crt (No such file or directory)");
        assertThat(analysis.getAction()).contains("scripts/certs.sh");
    }

    @Test
    void aFileThatCannotBeWatchedIsNamedToo() {
        var failure = new IllegalStateException(new UncheckedIOException("Failed to register paths for watching: [/etc/tls/ca.crt]",
                new IOException("'/etc/tls/ca.crt' is neither a file nor a directory")));
        assertThat(analyzer.analyze(failure).getDescription())
                .startsWith("The file /etc/tls/ca.crt, named by spring.ssl.bundle.pem.grpc.truststore.certificate, cannot be used");
    }

    @Test
    void aKeyThatCannotBeDecryptedNamesTheKeyAndItsPasswordSettingNeverThePassword() {
        // As a wrong private-key-password ends: the deepest cause is the cipher's, without the word "key".
        var failure = new IllegalStateException("Unable to create key store: Error loading private key file: Error decrypting private key",
                new IllegalStateException("Error loading private key file: Error decrypting private key",
                        new IllegalStateException("Error decrypting private key",
                                new javax.crypto.BadPaddingException("Given final block not properly padded."))));
        String description = analyzer.analyze(failure).getDescription();
        assertThat(description).contains("spring.ssl.bundle.pem.grpc.keystore.private-key (file:/etc/tls/tls.key)")
                .contains("spring.ssl.bundle.pem.grpc.keystore.private-key-password").doesNotContain("secret");
    }

    @Test
    void otherFailuresAreLeftToOtherAnalyzers() {
        assertThat(analyzer.analyze(new IllegalStateException("Port 8080 was already in use"))).isNull();
        assertThat(analyzer.analyze(new IOException("'/x' is not there"))).isNull();
    }
}
