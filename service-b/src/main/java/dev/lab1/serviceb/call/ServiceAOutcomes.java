package dev.lab1.serviceb.call;

import java.time.Duration;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * The outcome model, in one place: for every way a call to A can end, B's answer (the
 * {@link Reason}, hence the HTTP status and the {@code service_a} field), the message the client
 * reads, and whether it counts against A in the circuit breaker. {@link ServiceAClient} answers
 * from it; the breaker's {@code record-failure-predicate} ({@link ServiceAFailure}) reads it.
 */
final class ServiceAOutcomes {

    /** How an outcome counts in the circuit breaker. */
    enum AgainstA {
        /** A answered, even with an application error: A is alive. Recorded as a success. */
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
         * B's own channel failed the call (a local exception): A neither failed nor answered. Nothing
         * is recorded; the breaker's permission is released, so a half-open trial's permit comes back.
         */
        NOT_RECORDED
    }

    /** One row of the table. {@code message} is what the client reads (never gRPC's own text). */
    record Outcome(Reason reason, AgainstA againstA, String message) {
    }

    private ServiceAOutcomes() {
    }

    /** The row for a call that A ended with this status ({@code timeLimit}: B's, named in the timeout message). */
    static Outcome forStatus(Status.Code code, Duration timeLimit) {
        // An exhaustive switch: a status code added to grpc-java fails the build until it has a row.
        return switch (code) {
            case OK -> new Outcome(Reason.OK, AgainstA.NO, null);
            case UNAVAILABLE, CANCELLED -> new Outcome(Reason.UNAVAILABLE, AgainstA.FAILURE, "service A is not reachable");
            case DEADLINE_EXCEEDED -> new Outcome(Reason.TIMEOUT, AgainstA.SLOW,
                    "service A did not answer within " + timeLimit.toMillis() + " ms");
            // A's own overload answer, given at once by a live A: the call is refused (503 busy), but it
            // does not count against A. Opening the breaker on it would refuse every user for the open
            // wait while A serves all it can; A's call limit already protects A, B's bulkhead bounds B.
            case RESOURCE_EXHAUSTED -> new Outcome(Reason.BUSY, AgainstA.NO, "service A is overloaded");
            case INTERNAL, UNKNOWN, DATA_LOSS, UNIMPLEMENTED -> new Outcome(Reason.ERROR, AgainstA.FAILURE, answeredWith(code));
            case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE, ABORTED,
                 PERMISSION_DENIED, UNAUTHENTICATED -> new Outcome(Reason.ERROR, AgainstA.NO, answeredWith(code));
        };
    }

    private static String answeredWith(Status.Code code) {
        return "service A answered with status " + code;
    }

    /** A answered OK, but its reply is not the contract's JSON object. */
    static final Outcome NOT_THE_CONTRACTS_REPLY =
            new Outcome(Reason.ERROR, AgainstA.FAILURE, "service A sent a reply that is not a JSON object");

    /**
     * B's own channel failed the call: a status whose cause is a local exception, or an exception
     * thrown by B's call stack (an interceptor, the stub). B's bug, not A's answer.
     */
    static final Outcome INTERNAL_ERROR = new Outcome(Reason.INTERNAL_ERROR, AgainstA.NOT_RECORDED,
            "service B failed internally while calling service A; this is not an answer of service A");

    /**
     * Whether a status was made by B's own channel from a local exception, not sent by A. A status
     * from the wire never has a cause (gRPC sends only the code and description). Among local causes,
     * checked exceptions (IOException: refused, reset, closed; HTTP/2 protocol errors) are the
     * connection to A; an unchecked one is a bug in B's call stack, except Netty's decoder exceptions,
     * which are bytes A (or the network) sent.
     */
    static boolean isLocalFailure(Status status) {
        Throwable cause = status.getCause();
        return cause != null && (cause instanceof RuntimeException || cause instanceof Error)
                && !cause.getClass().getName().contains(".netty.");
    }

    /** The breaker is open: A was not called. */
    static final Outcome CIRCUIT_OPEN = new Outcome(Reason.CIRCUIT_OPEN, AgainstA.NO,
            "circuit breaker is open after repeated failures of service A; not calling it for now");

    /** B's bulkhead is full: A was not called. */
    static Outcome bulkheadFull(int maxConcurrentCalls) {
        return new Outcome(Reason.BUSY, AgainstA.NO, "too many calls to service A in flight (limit " + maxConcurrentCalls + ")");
    }

    /**
     * How an exception ended a call counts against A: by its gRPC status code (not at all when B's
     * own channel made the status from a local exception), or, for anything that is not a gRPC answer
     * (a reply that breaks the contract, an Error), as A's failure.
     */
    static AgainstA againstA(Throwable throwable) {
        if (throwable instanceof StatusRuntimeException || throwable instanceof StatusException) {
            Status status = Status.fromThrowable(throwable);
            return isLocalFailure(status) ? AgainstA.NOT_RECORDED : forStatus(status.getCode(), Duration.ZERO).againstA();
        }
        return AgainstA.FAILURE;
    }
}
