package dev.lab1.serviceb.call;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most one log entry per interval for a repeating event: the first one at once, the next once the
 * interval is over, with the number of those left out in between. A bug hit on every call at 3,000
 * calls/s must not write 3,000 stack traces a second.
 */
final class LogLimiter {

    /** Returned by {@link #admit()} when this occurrence is not to be logged. */
    static final long SKIP = -1;

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final AtomicLong nextAt;
    private final AtomicLong skipped = new AtomicLong();

    LogLimiter(Duration interval, LongSupplier nanoClock) {
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
        this.nextAt = new AtomicLong(nanoClock.getAsLong());
    }

    /** {@link #SKIP}, or: log this one, and this many were skipped since the last one logged. */
    long admit() {
        long now = nanoClock.getAsLong();
        long next = nextAt.get();
        if (now - next < 0 || !nextAt.compareAndSet(next, now + intervalNanos)) {
            skipped.incrementAndGet();
            return SKIP;
        }
        return skipped.getAndSet(0);
    }
}
