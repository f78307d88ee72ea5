package dev.lab1.serviceb.servicea;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.lab1.serviceb.ServiceBProperties;
import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc.ServiceAFutureStub;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Echo hedged over A's replicas: an attempt left unanswered longer than A's answers usually take is
 * sent again (round-robin: most likely to another replica), up to {@code service-b.service-a.hedging.max-attempts},
 * all within the call's one deadline; the first answer wins and the others are cancelled. A replica
 * that froze or hangs then costs no failed call, and one that is killed mid-call neither: an attempt
 * ending UNAVAILABLE or UNKNOWN (replica gone, connection cut) sends the next one at once.
 *
 * <p>Why not gRPC's own hedging policy: its delay is fixed. Below the replicas' normal latency (150 ms
 * against replicas answering in 400 ms) every call became three attempts, A got three times the
 * calls, and the cancelled attempts, which outlier detection counts as failures, ejected healthy
 * replicas. Here the delay follows the answers: {@code hedging.delay-factor} times the 95th percentile
 * of the last {@value #WINDOW} answers' latency, at least {@code hedging.min-delay}. Healthy replicas
 * are hedged only for their slowest few percent; replicas close to the time limit, never (there is
 * no time left for a second attempt to win).
 */
final class HedgedEcho {

    /** Answers whose latency the delay follows. */
    static final int WINDOW = 200;
    /** Before this many answers (about one per client of a first burst), the delay is half the time limit. */
    private static final int MIN_SAMPLES = 5;
    private static final long RECOMPUTE_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final int maxAttempts;
    private final long minDelayNanos;
    private final double delayFactor;
    private final long defaultDelayNanos;
    private final long[] latencies = new long[WINDOW];
    private int samples;
    private int next;
    private volatile long delayNanos;
    private volatile long computedAtNanos = System.nanoTime();

    HedgedEcho(ServiceBProperties.Hedging hedging, Duration timeLimit) {
        this.maxAttempts = hedging.maxAttempts();
        this.minDelayNanos = hedging.minDelay().toNanos();
        this.delayFactor = hedging.delayFactor();
        this.defaultDelayNanos = Math.max(minDelayNanos, timeLimit.toNanos() / 2);
        this.delayNanos = defaultDelayNanos;
    }

    /**
     * The reply of the first attempt that answers, or the status that ended the call (the last
     * attempt's, or DEADLINE_EXCEEDED at the deadline), as a {@link StatusRuntimeException}.
     */
    EchoReply echo(ServiceAFutureStub stub, EchoRequest request, Deadline deadline) {
        var call = new Call(stub.withDeadline(deadline), request);
        try {
            long delay = currentDelayNanos();
            for (int sent = 1; call.send() && sent < maxAttempts; sent++) {
                EchoReply reply = call.await(Math.min(delay, deadline.timeRemaining(TimeUnit.NANOSECONDS)));
                if (reply != null) {
                    return reply;
                }
                if (deadline.timeRemaining(TimeUnit.NANOSECONDS) < minDelayNanos) {
                    break; // an attempt sent now could not answer in time
                }
            }
            // Every attempt carries the deadline: the outcome is decided by then.
            EchoReply reply = call.await(deadline.timeRemaining(TimeUnit.NANOSECONDS) + TimeUnit.SECONDS.toNanos(1));
            if (reply == null) {
                throw Status.DEADLINE_EXCEEDED.withDescription("hedged Echo undecided at the deadline").asRuntimeException();
            }
            return reply;
        } finally {
            call.cancelTheRest();
        }
    }

    /** The current hedging delay (for tests and the log). */
    Duration delay() {
        return Duration.ofNanos(currentDelayNanos());
    }

    private long currentDelayNanos() {
        long now = System.nanoTime();
        if (now - computedAtNanos >= RECOMPUTE_EVERY_NANOS) {
            computedAtNanos = now;
            delayNanos = computeDelay();
        }
        return delayNanos;
    }

    private synchronized void record(long latencyNanos) {
        latencies[next] = latencyNanos;
        next = (next + 1) % WINDOW;
        samples = Math.min(samples + 1, WINDOW);
    }

    private synchronized long computeDelay() {
        if (samples < MIN_SAMPLES) {
            return defaultDelayNanos;
        }
        long[] sorted = Arrays.copyOf(latencies, samples);
        Arrays.sort(sorted);
        long p95 = sorted[Math.min(samples - 1, (int) Math.ceil(samples * 0.95) - 1)];
        return Math.max(minDelayNanos, (long) (p95 * delayFactor));
    }

    /** One call's attempts and its outcome. */
    private final class Call {

        private final ServiceAFutureStub stub;
        private final EchoRequest request;
        private final CompletableFuture<EchoReply> outcome = new CompletableFuture<>();
        private final List<ListenableFuture<EchoReply>> attempts = new ArrayList<>();
        private int pending;
        /** Set once the caller has its outcome: no attempt is sent after it, and cancellations are not failures. */
        private boolean finished;

        Call(ServiceAFutureStub stub, EchoRequest request) {
            this.stub = stub;
            this.request = request;
        }

        /** Sends one more attempt; false when the call is decided already. */
        synchronized boolean send() {
            if (finished || outcome.isDone() || attempts.size() >= maxAttempts) {
                return false;
            }
            long sentAt = System.nanoTime();
            ListenableFuture<EchoReply> attempt = stub.echo(request);
            attempts.add(attempt);
            pending++;
            Futures.addCallback(attempt, new FutureCallback<>() {
                @Override
                public void onSuccess(EchoReply reply) {
                    record(System.nanoTime() - sentAt);
                    ended();
                    outcome.complete(reply);
                }

                @Override
                public void onFailure(Throwable t) {
                    failed(t);
                }
            }, MoreExecutors.directExecutor());
            return true;
        }

        private synchronized void ended() {
            pending--;
        }

        /**
         * A replica gone or a connection cut (UNAVAILABLE, UNKNOWN) does not end the call while
         * another attempt may answer: the next one goes at once. Any other status is the call's.
         */
        private void failed(Throwable t) {
            boolean sendNext;
            synchronized (this) {
                pending--;
                if (finished) {
                    return; // cancelled by cancelTheRest
                }
                Status.Code code = Status.fromThrowable(t).getCode();
                boolean retryable = code == Status.Code.UNAVAILABLE || code == Status.Code.UNKNOWN;
                if (!retryable || outcome.isDone()) {
                    outcome.completeExceptionally(t);
                    return;
                }
                if (pending > 0) {
                    return; // another attempt may still answer
                }
                sendNext = attempts.size() < maxAttempts;
                if (!sendNext) {
                    outcome.completeExceptionally(t);
                    return;
                }
            }
            send();
        }

        /** The reply if the call succeeded within {@code nanos}; null if it is not decided yet. */
        EchoReply await(long nanos) {
            try {
                return outcome.get(nanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                return null;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw Status.UNKNOWN.withCause(e.getCause()).asRuntimeException();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw Status.CANCELLED.withDescription("interrupted").withCause(e).asRuntimeException();
            }
        }

        void cancelTheRest() {
            List<ListenableFuture<EchoReply>> toCancel;
            synchronized (this) {
                finished = true;
                toCancel = List.copyOf(attempts);
            }
            // Outside the lock: a cancelled attempt's callback runs here, on this thread.
            toCancel.forEach(attempt -> attempt.cancel(true));
        }
    }
}
