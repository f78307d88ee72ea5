package dev.lab1.serviceb.call;

import java.util.function.Predicate;

/**
 * The circuit breaker's {@code record-failure-predicate} (named in application.yml): an outcome is a
 * failure of A when {@link ServiceAOutcomes} says so. Everything else, timeouts included, is
 * recorded as a success with its duration, so a timeout counts as a slow call, not as a failure.
 */
public class ServiceAFailure implements Predicate<Throwable> {

    @Override
    public boolean test(Throwable throwable) {
        return ServiceAOutcomes.againstA(throwable) == ServiceAOutcomes.AgainstA.FAILURE;
    }
}
