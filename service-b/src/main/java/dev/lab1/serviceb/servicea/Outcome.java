package dev.lab1.serviceb.servicea;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.springframework.http.HttpStatus;

/**
 * The outcome table, in one place: every way a {@code /call-echo} can end, with the label B answers
 * and counts ({@code service_a} field, {@code call_echo_outcomes_total{reason}}, the log line), the
 * HTTP status, whether it counts against A in the circuit breaker, and the message the client reads
 * (never gRPC's own text). {@link #forStatus} maps every gRPC status of a call to A to its row.
 */
public enum Outcome {
    OK("ok", HttpStatus.OK, AgainstA.NO, null),
    /** A is not reachable (connection refused, gone, going away). */
    UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE, AgainstA.FAILURE, "service A is not reachable"),
    /** A did not answer within the time limit; the RPC was cancelled at both ends at the deadline. */
    TIMEOUT("timeout", HttpStatus.GATEWAY_TIMEOUT, AgainstA.SLOW, "service A did not answer within %d ms"),
    /** The breaker is open: A was not called. */
    CIRCUIT_OPEN("circuit_open", HttpStatus.SERVICE_UNAVAILABLE, AgainstA.NO,
            "circuit breaker is open after repeated failures of service A; not calling it for now"),
    /** B's bulkhead is full: A was not called. */
    BULKHEAD_FULL("busy", HttpStatus.SERVICE_UNAVAILABLE, AgainstA.NO, "too many calls to service A in flight (limit %d)"),
    /**
     * A's own overload answer (RESOURCE_EXHAUSTED), given at once by a live A: refused, but not held
     * against A. Opening the breaker on it would refuse every user for the open wait while A serves
     * all it can; A's call limit already protects A, B's bulkhead bounds B.
     */
    A_OVERLOADED("busy", HttpStatus.SERVICE_UNAVAILABLE, AgainstA.NO, "service A is overloaded"),
    /** A answered with a status that says A is broken (INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED). */
    A_BROKEN("error", HttpStatus.BAD_GATEWAY, AgainstA.FAILURE, "service A answered with status %s"),
    /** A answered OK, but its reply is not the contract's JSON object. */
    NOT_THE_CONTRACTS_REPLY("error", HttpStatus.BAD_GATEWAY, AgainstA.FAILURE,
            "service A sent a reply that is not a JSON object"),
    /** A answered with an application error (INVALID_ARGUMENT, NOT_FOUND, ...): A is alive. */
    APPLICATION_ERROR("error", HttpStatus.BAD_GATEWAY, AgainstA.NO, "service A answered with status %s"),
    /**
     * B's own gRPC channel failed the call with a local exception (a bug in B or in its libraries,
     * such as grpc-java 1.85.1's outlier-detection NullPointerException): not an answer of A.
     */
    INTERNAL_ERROR("internal_error", HttpStatus.INTERNAL_SERVER_ERROR, AgainstA.NOT_RECORDED,
            "service B failed internally while calling service A; this is not an answer of service A"),
    /** The request was invalid (any 4xx of /call-echo; the status may be 405, 413, ...): A was not called. */
    BAD_REQUEST("bad_request", HttpStatus.BAD_REQUEST, AgainstA.NO, "%s");

    /** How an outcome counts in the circuit breaker. */
    public enum AgainstA {
        /** A answered, even with an application error, or was not called: recorded as a success, if at all. */
        NO,
        /** A is broken or unreachable: recorded as a failure (failure-rate-threshold). */
        FAILURE,
        /**
         * A did not answer in time: recorded as a success with its duration, which is past the
         * slow-call threshold (the time limit), so it counts as a slow call (slow-call-rate-threshold).
         * A stall of A under load times out every call in flight at once; counted as slow calls in a
         * time window, that burst is weighed against the seconds of good traffic around it.
         */
        SLOW,
        /**
         * B's own channel failed the call: A neither failed nor answered. Nothing is recorded; the
         * breaker's permission is released, so a half-open trial's permit comes back.
         */
        NOT_RECORDED
    }

    private final String label;
    private final HttpStatus httpStatus;
    private final AgainstA againstA;
    private final String message;

    Outcome(String label, HttpStatus httpStatus, AgainstA againstA, String message) {
        this.label = label;
        this.httpStatus = httpStatus;
        this.againstA = againstA;
        this.message = message;
    }

    /** The wire spelling: {@code unavailable}, {@code circuit_open}, ... (several rows may share one). */
    public String label() {
        return label;
    }

    public HttpStatus httpStatus() {
        return httpStatus;
    }

    public AgainstA againstA() {
        return againstA;
    }

    /** What the client reads; {@code details} fill the row's placeholders (the time limit, a status, ...). */
    public String message(Object... details) {
        return message == null ? null : String.format(Locale.ROOT, message, details);
    }

    /** Every label, once each: the values of {@code call_echo_outcomes_total{reason}}. */
    public static List<String> labels() {
        return Arrays.stream(values()).map(Outcome::label).distinct().toList();
    }

    /** The row for a call that A ended with this status. */
    public static Outcome forStatus(Status.Code code) {
        // An exhaustive switch: a status code added to grpc-java fails the build until it has a row.
        return switch (code) {
            case OK -> OK;
            case UNAVAILABLE, CANCELLED -> UNAVAILABLE;
            case DEADLINE_EXCEEDED -> TIMEOUT;
            case RESOURCE_EXHAUSTED -> A_OVERLOADED;
            case INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED -> A_BROKEN;
            case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, ABORTED,
                 PERMISSION_DENIED, UNAUTHENTICATED -> APPLICATION_ERROR;
        };
    }

    /**
     * Whether a status was made by B's own channel from a local exception, not sent by A. A status
     * from the wire never has a cause (gRPC sends only the code and description). Among local causes,
     * checked exceptions (IOException: refused, reset, closed; HTTP/2 protocol errors) are the
     * connection to A; an unchecked one is a bug in B's call stack, except Netty's decoder exceptions,
     * which are bytes A (or the network) sent.
     */
    public static boolean isLocalFailure(Status status) {
        Throwable cause = status.getCause();
        return cause != null && (cause instanceof RuntimeException || cause instanceof Error)
                && !cause.getClass().getName().contains(".netty.");
    }

    /**
     * How an exception that ended a call counts against A: by its gRPC status's row (not at all when
     * B's own channel made the status from a local exception), or, for anything that is not a gRPC
     * answer (a reply that breaks the contract, an Error), as A's failure.
     */
    public static AgainstA againstA(Throwable throwable) {
        if (throwable instanceof StatusRuntimeException || throwable instanceof StatusException) {
            Status status = Status.fromThrowable(throwable);
            return isLocalFailure(status) ? AgainstA.NOT_RECORDED : forStatus(status.getCode()).againstA();
        }
        return AgainstA.FAILURE;
    }
}
