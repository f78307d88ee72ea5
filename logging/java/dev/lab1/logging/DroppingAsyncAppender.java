package dev.lab1.logging;

import java.util.concurrent.atomic.LongAdder;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback's asynchronous appender, made never to wait for the console: when its queue is nearly full
 * (fewer free slots than {@code discardingThreshold}, e.g. because nobody reads the process's stdout
 * and the console write blocks), every new line is dropped and counted, whatever its level, instead
 * of making the logging thread (a request thread, a gRPC handler) wait. The count is the metric
 * {@code logback_events_dropped_total} (DroppedLogLinesAutoConfiguration).
 *
 * <p>Logback offers no hook on a failed enqueue, only this one on the threshold. It is exact as long
 * as fewer threads log at the same instant than the threshold (each passes the check with at least
 * that many free slots); beyond that, {@code neverBlock} drops the line uncounted rather than wait.
 */
public class DroppingAsyncAppender extends AsyncAppender {

    private static final LongAdder DROPPED = new LongAdder();

    /** Lines dropped since the JVM started, by every instance. */
    public static long dropped() {
        return DROPPED.sum();
    }

    @Override
    protected boolean isDiscardable(ILoggingEvent event) {
        DROPPED.increment(); // only asked when the queue is below the threshold: every line goes
        return true;
    }
}
