package dev.lab1.serviceb.servicea;

import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.net.ssl.SSLException;

/**
 * Why B's TLS handshake with A failed, in the words a user can act on: A's certificate is expired,
 * untrusted or names another host, or A refused B's own certificate. B answers {@code unavailable}
 * with it and shows it in A's health component.
 */
final class TlsFailure {

    private TlsFailure() {
    }

    /** The reason, or null when {@code failure} is no TLS handshake failure. */
    static String reason(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        // Most specific first: an expired certificate also fails the path check ("validity check failed").
        for (Throwable t : chain) {
            if (t instanceof CertificateExpiredException) {
                return "expired: A's certificate has expired (" + t.getMessage() + ")";
            }
            if (t instanceof CertificateNotYetValidException) {
                return "expired: A's certificate is not valid yet (" + t.getMessage() + ")";
            }
        }
        for (Throwable t : chain) {
            if (t instanceof CertPathValidatorException e && e.getReason() == BasicReason.EXPIRED) {
                return "expired: A's certificate has expired (" + t.getMessage() + ")";
            }
            if (t instanceof CertPathValidatorException e && e.getReason() == BasicReason.NOT_YET_VALID) {
                return "expired: A's certificate is not valid yet (" + t.getMessage() + ")";
            }
        }
        for (Throwable t : chain) {
            String message = String.valueOf(t.getMessage());
            String lower = message.toLowerCase(Locale.ROOT);
            if (lower.contains("no subject alternative") || lower.contains("no name matching")) {
                return "name mismatch: A's certificate does not name the host B called (" + message + ")";
            }
            if (t instanceof CertPathBuilderException || t instanceof CertPathValidatorException
                    || lower.contains("unable to find valid certification path")) {
                return "untrusted: A's certificate is not signed by a CA B trusts (" + message + ")";
            }
            if (REFUSED_BY_A.stream().anyMatch(lower::contains)) {
                return "refused: A refused B's certificate, or B sent none (" + message + ")";
            }
        }
        return chain.stream().filter(SSLException.class::isInstance).findFirst()
                .map(t -> "handshake failed: " + t.getMessage()).orElse(null);
    }

    /** TLS alerts a server sends when it refuses the client's certificate (OpenSSL's and the JDK's spelling). */
    private static final List<String> REFUSED_BY_A = List.of("certificate_required", "certificate required",
            "unknown_ca", "unknown ca", "bad_certificate", "bad certificate", "certificate_unknown", "certificate unknown");
}
