package dev.lab1.serviceb.servicea;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.serviceb.ServiceBProperties;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * B's warm-up, before its web server opens: B connects to A and sends it {@code service-b.service-a.warm-up.calls}
 * Echo calls, a few at a time, each with the call's deadline. A cold JVM at either end (class
 * loading, the interpreter, the first connection) made the first users' calls time out by the dozen
 * and open the breaker on a healthy A; after the warm-up they meet a connected, warmed path.
 *
 * <p>The warm-up never holds B back for long: at most {@code service-b.service-a.warm-up.max-duration}, waiting
 * for A included (an A started at the same time, as by {@code docker compose up}, is usually
 * listening within it; an A that is not there is not waited for longer: B starts without it and
 * connects when A comes). Its calls go around the breaker and the metrics: they say nothing about
 * users' calls. It runs once every bean exists, before any lifecycle starts (the web servers among
 * them), so {@code /health} answers only after it.
 */
@Component
class ServiceAWarmUp implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(ServiceAWarmUp.class);
    /** Calls in flight at once during the warm-up: some concurrency, well below the bulkhead. */
    private static final int CONCURRENCY = 8;
    private static final Duration RETRY = Duration.ofMillis(250);

    private final ServiceAChannel channel;
    private final ServiceBProperties.WarmUp warmUp;
    private final Duration timeLimit;

    ServiceAWarmUp(ServiceAChannel channel, ServiceBProperties properties,
                   TimeLimiterRegistry timeLimiters) {
        this.channel = channel;
        this.warmUp = properties.serviceA().warmUp();
        this.timeLimit = timeLimiters.timeLimiter(ServiceAClient.SERVICE_A).getTimeLimiterConfig().getTimeoutDuration();
    }

    /** Once every bean exists and before any lifecycle starts: before the servers open their ports. */
    @Override
    public void afterSingletonsInstantiated() {
        if (warmUp.calls() > 0) {
            warmUp();
        }
    }

    private void warmUp() {
        long start = System.nanoTime();
        long end = start + warmUp.maxDuration().toNanos();
        if (!awaitConnection(end)) {
            log.info("service=B warm_up=skipped reason=\"service A not reachable; B starts without it\" latency_ms={}",
                    millisSince(start));
            return;
        }
        var stub = ServiceAGrpc.newFutureStub(channel.channel());
        var slots = new Semaphore(CONCURRENCY);
        var answered = new AtomicInteger();
        int sent = 0;
        try {
            for (; sent < warmUp.calls(); sent++) {
                long left = end - System.nanoTime();
                if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
                var call = stub.withDeadlineAfter(timeLimit.toNanos(), TimeUnit.NANOSECONDS)
                        .echo(EchoRequest.newBuilder().setMsg("warm-up").build());
                call.addListener(() -> {
                    if (answered(call)) {
                        answered.incrementAndGet();
                    }
                    slots.release();
                }, MoreExecutors.directExecutor());
            }
            // The last calls: wait for them too (within the budget), so that none is in flight when users come.
            long left = Math.max(0, end - System.nanoTime());
            if (slots.tryAcquire(CONCURRENCY, left, TimeUnit.NANOSECONDS)) {
                slots.release(CONCURRENCY);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("service=B warm_up=done calls={} answered={} latency_ms={}", sent, answered.get(), millisSince(start));
    }

    /**
     * A started with B (docker compose up) is usually listening a moment later: ask again every
     * {@link #RETRY} rather than at the channel's next backoff, until the budget's end.
     */
    private boolean awaitConnection(long endNanos) {
        long left;
        while ((left = endNanos - System.nanoTime()) > 0) {
            if (channel.awaitConnected(Duration.ofNanos(Math.min(left, RETRY.toNanos())))) {
                return true;
            }
        }
        return false;
    }

    private static boolean answered(Future<EchoReply> call) {
        try {
            Futures.getDone(call);
            return true;
        } catch (ExecutionException | CancellationException e) {
            return false;
        }
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
