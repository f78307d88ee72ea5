package dev.lab1.serviceb.call;

import java.util.EnumSet;
import java.util.Set;
import java.util.function.Predicate;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;

/**
 * The circuit breaker's {@code record-failure-predicate}: which outcomes say that A is failing.
 * Every gRPC error is the same exception class, so this looks at the status code. Application
 * answers such as INVALID_ARGUMENT or NOT_FOUND mean A is alive and count as successes.
 */
public class ServiceAFailure implements Predicate<Throwable> {

    private static final Set<Status.Code> FAILURES_OF_A = EnumSet.of(
            Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED, Status.Code.CANCELLED,
            Status.Code.INTERNAL, Status.Code.UNKNOWN, Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.UNIMPLEMENTED, Status.Code.DATA_LOSS);

    @Override
    public boolean test(Throwable throwable) {
        if (throwable instanceof StatusRuntimeException || throwable instanceof StatusException) {
            return FAILURES_OF_A.contains(Status.fromThrowable(throwable).getCode());
        }
        return true; // anything that is not a gRPC answer (a bad reply, a bug) is A's failure too
    }
}
