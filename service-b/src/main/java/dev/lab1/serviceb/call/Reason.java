package dev.lab1.serviceb.call;

import org.springframework.http.HttpStatus;

/**
 * Why a {@code /call-echo} answered as it did: the {@code service_a} field, the HTTP status, the metric tag.
 * Which outcome of a call to A gives which reason is {@link ServiceAOutcomes}' table.
 */
public enum Reason {
    OK(HttpStatus.OK),
    /** A is not reachable (connection refused, gone, going away). */
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE),
    /** A did not answer within the time limit; the RPC was cancelled at the deadline. */
    TIMEOUT(HttpStatus.GATEWAY_TIMEOUT),
    /** The circuit breaker is open: no call was made. */
    CIRCUIT_OPEN(HttpStatus.SERVICE_UNAVAILABLE),
    /** Too many calls in flight (B's bulkhead), or A said it is overloaded. */
    BUSY(HttpStatus.SERVICE_UNAVAILABLE),
    /** A answered, but with an error status or a reply that is not the contract's. */
    ERROR(HttpStatus.BAD_GATEWAY),
    /**
     * B's own gRPC channel failed the call with a local exception (a bug in B or in its libraries,
     * such as grpc-java 1.85.1's outlier-detection NullPointerException): not an answer of A.
     */
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR),
    /** The request was invalid (any 4xx of /call-echo); A was not called. */
    BAD_REQUEST(HttpStatus.BAD_REQUEST);

    private final HttpStatus httpStatus;
    private final String label;

    Reason(HttpStatus httpStatus) {
        this.httpStatus = httpStatus;
        this.label = name().toLowerCase(java.util.Locale.ROOT);
    }

    public HttpStatus httpStatus() {
        return httpStatus;
    }

    /** The wire spelling: {@code unavailable}, {@code circuit_open}, ... */
    public String label() {
        return label;
    }
}
