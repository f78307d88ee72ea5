package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;

/** Each TLS failure B can meet, as grpc-java hands it over (a chain of causes), named for the user. */
class TlsFailureTest {

    private static SSLHandshakeException handshake(Throwable cause) {
        var e = new SSLHandshakeException("General OpenSslEngine problem");
        e.initCause(cause);
        return e;
    }

    @Test
    void anExpiredCertificateIsNamedExpiredEvenThoughThePathCheckFailsToo() {
        var path = new CertPathValidatorException("validity check failed", new CertificateExpiredException("NotAfter: Sun Nov 29"),
                null, -1, BasicReason.EXPIRED);
        assertThat(TlsFailure.reason(handshake(new CertificateException(path))))
                .isEqualTo("expired: A's certificate has expired (NotAfter: Sun Nov 29)");
        // The path check alone, without the certificate's own exception.
        var alone = new CertPathValidatorException("validity check failed", null, null, -1, BasicReason.EXPIRED);
        assertThat(TlsFailure.reason(handshake(alone))).startsWith("expired: A's certificate has expired");
    }

    @Test
    void aCertificateFromAnotherCaIsUntrusted() {
        var path = new CertPathValidatorException("Path does not chain with any of the trust anchors");
        assertThat(TlsFailure.reason(handshake(new CertificateException(path))))
                .startsWith("untrusted: A's certificate is not signed by a CA B trusts (");
    }

    @Test
    void aCertificateForAnotherHostIsANameMismatch() {
        var mismatch = new CertificateException("No subject alternative DNS name matching localhost found.");
        assertThat(TlsFailure.reason(handshake(mismatch)))
                .isEqualTo("name mismatch: A's certificate does not name the host B called (No subject alternative DNS name matching localhost found.)");
    }

    @Test
    void anAlertFromAIsARefusalOfBsCertificate() {
        var alert = new SSLHandshakeException("error:1000045c:SSL routines:OPENSSL_internal:TLSV1_ALERT_CERTIFICATE_REQUIRED");
        assertThat(TlsFailure.reason(alert)).startsWith("refused: A refused B's certificate, or B sent none");
        assertThat(TlsFailure.reason(new SSLHandshakeException("Received fatal alert: unknown_ca"))).startsWith("refused: ");
    }

    @Test
    void anyOtherTlsFailureIsNamedAsSuchAndEverythingElseIsNotTls() {
        assertThat(TlsFailure.reason(new SSLHandshakeException("protocol version"))).isEqualTo("handshake failed: protocol version");
        assertThat(TlsFailure.reason(new ConnectException("Connection refused"))).isNull();
        assertThat(TlsFailure.reason(new IOException("Connection reset", new IOException("inner")))).isNull();
        assertThat(TlsFailure.reason(null)).isNull();
    }
}
