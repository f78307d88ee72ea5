package dev.lab1.serviceb.call;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.TransitionCheckResult;
import io.github.resilience4j.core.functions.Either;

/**
 * The breaker's second rule, beside its time window ({@code transitionOnResult}): this many
 * failures of A in a row, while B cannot connect to A, open the breaker at once.
 *
 * <p>Why a second rule: the time window must hold seconds of calls so that the burst of timeouts
 * from a short stall of A is weighed against the good calls around it; but then a killed A opens
 * the breaker only once its failures are half of those seconds of calls (64 failed calls at 400
 * calls/s). A killed or unreachable A is told apart from a stall by two facts the window does not
 * see: its calls fail (refused, cut) instead of timing out, and B's attempts to connect to it fail
 * (the channel is in TRANSIENT_FAILURE). Timeouts neither count nor break the run (a stall says
 * nothing about reachability); a success or an application answer ends it. A dropped connection
 * that B re-establishes at once (A alive) does not open the breaker however many calls it cut: the
 * channel is reconnecting, then connected, never failing to connect. When the run is long enough
 * but the channel is not (yet) failing, the next failure checks again. The time window still judges
 * everything else (a hung A, an A failing half its calls).
 */
final class OpenWhenUnreachable implements Function<Either<Object, Throwable>, TransitionCheckResult> {

    private final int failuresToOpen;
    private final BooleanSupplier unreachable;
    private final Duration openFor;
    private final AtomicInteger failuresInARow = new AtomicInteger();

    /**
     * @param openFor how long the breaker then stays open: its own wait in the open state (Resilience4j
     *                requires a wait with a transition asked for here)
     */
    OpenWhenUnreachable(int failuresToOpen, BooleanSupplier unreachable, Duration openFor) {
        if (failuresToOpen < 1) {
            throw new IllegalArgumentException("failuresToOpen must be at least 1, was " + failuresToOpen);
        }
        this.failuresToOpen = failuresToOpen;
        this.unreachable = unreachable;
        this.openFor = openFor;
    }

    @Override
    public TransitionCheckResult apply(Either<Object, Throwable> outcome) {
        ServiceAOutcomes.AgainstA againstA = outcome.isLeft() ? ServiceAOutcomes.AgainstA.NO : ServiceAOutcomes.againstA(outcome.get());
        switch (againstA) {
            case NO -> failuresInARow.set(0);
            case SLOW, NOT_RECORDED -> {
                // a timeout, or B's own failure: neither a sign that A is unreachable nor that it is back
            }
            case FAILURE -> {
                if (failuresInARow.incrementAndGet() >= failuresToOpen && unreachable.getAsBoolean()) {
                    failuresInARow.set(0);
                    return TransitionCheckResult.transitionToOpenAndWaitFor(openFor);
                }
            }
        }
        return TransitionCheckResult.noTransition();
    }
}
