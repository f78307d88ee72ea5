package dev.lab1.tls;

/**
 * How the gRPC hop between B and A is secured; each service has one setting of this type
 * ({@code service-a.grpc.tls.mode}, {@code service-b.service-a.tls.mode}).
 */
public enum TlsMode {
    /** No encryption, anyone who reaches A's port may call it: what the original Python peers speak. */
    PLAINTEXT,
    /** A presents a certificate; B checks it against its trusted CA and A's name. */
    TLS,
    /** TLS, and A requires a certificate from B, checked against A's trusted CA: only B may call A. */
    MUTUAL_TLS;

    public boolean encrypted() {
        return this != PLAINTEXT;
    }
}
