package dev.lab1.serviceb.servicea;

import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.serviceb.ServiceBProperties;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.proto.ServiceAGrpc.ServiceABlockingStub;
import dev.lab1.proto.ServiceAGrpc.ServiceAFutureStub;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Calls A's Echo through the Resilience4j instances named {@value #SERVICE_A}, in this order:
 * bulkhead (bound calls in flight) → circuit breaker (fail fast while A is failing) → the RPC
 * with a gRPC deadline (the time limit). What each outcome means is {@link Outcome}'s table.
 *
 * <p>The guards are used through their permission API rather than decorators so that the order is
 * visible here and no path throws: a rejected call costs no exception. The time limit is a gRPC
 * deadline derived per call, because only that cancels the RPC (A sees it and stops waiting); a
 * Resilience4j TimeLimiter around a blocking call could only abandon it. The TimeLimiter instance
 * still holds the configured limit and records each outcome, so its metrics stay true.
 */
@Component
public class ServiceAClient {

    static final String SERVICE_A = "service-a";

    private static final Logger log = LoggerFactory.getLogger(ServiceAClient.class);

    private final ServiceABlockingStub stub;
    /** Several replicas of A: each call hedged over them (null with one A). */
    private final ServiceAFutureStub hedgedStub;
    private final HedgedEcho hedging;
    private final ServiceAChannel channel;
    private final Bulkhead bulkhead;
    private final CircuitBreaker circuitBreaker;
    private final TimeLimiter timeLimiter;
    private final ObjectMapper json;
    private final Duration timeLimit;
    private final Duration connectWait;
    private final String bulkheadFull;
    /** B's own channel failures: one stack trace per minute at most, with the count of the others. */
    private final LogLimiter internalErrors = new LogLimiter(Duration.ofMinutes(1), System::nanoTime);
    /** When the breaker last opened (System.nanoTime), for the time actually left in Retry-After. */
    private volatile long openedAtNanos = System.nanoTime();

    @Autowired
    ServiceAClient(ServiceAChannel channel, ServiceBProperties properties, BulkheadRegistry bulkheads,
                   CircuitBreakerRegistry circuitBreakers, TimeLimiterRegistry timeLimiters, ObjectMapper json) {
        this(ServiceAGrpc.newBlockingStub(channel.channel()), channel, properties.serviceA().connectWait(), bulkheads,
                circuitBreakers, timeLimiters, json, hedged(properties.serviceA(), timeLimiters));
    }

    /** Hedging where there can be another replica to hedge to, and more than one attempt is allowed. */
    private static HedgedEcho hedged(ServiceBProperties.ServiceA properties, TimeLimiterRegistry timeLimiters) {
        if (!ServiceAChannel.canNameSeveralReplicas(properties.address().trim()) || properties.hedging().maxAttempts() < 2) {
            return null;
        }
        return new HedgedEcho(properties.hedging(), timeLimiters.timeLimiter(SERVICE_A).getTimeLimiterConfig().getTimeoutDuration());
    }

    /** With a stub of the test's choice, for paths a real A cannot provoke (an Error thrown by the call). */
    ServiceAClient(ServiceABlockingStub stub, ServiceAChannel channel, Duration connectWait, BulkheadRegistry bulkheads,
                   CircuitBreakerRegistry circuitBreakers, TimeLimiterRegistry timeLimiters, ObjectMapper json) {
        this(stub, channel, connectWait, bulkheads, circuitBreakers, timeLimiters, json, null);
    }

    private ServiceAClient(ServiceABlockingStub stub, ServiceAChannel channel, Duration connectWait, BulkheadRegistry bulkheads,
                           CircuitBreakerRegistry circuitBreakers, TimeLimiterRegistry timeLimiters, ObjectMapper json,
                           HedgedEcho hedging) {
        this.stub = stub;
        this.hedging = hedging;
        this.hedgedStub = hedging == null ? null : ServiceAGrpc.newFutureStub(stub.getChannel());
        this.channel = channel;
        this.connectWait = connectWait;
        this.bulkhead = bulkheads.bulkhead(SERVICE_A);
        this.circuitBreaker = circuitBreakers.circuitBreaker(SERVICE_A);
        this.timeLimiter = timeLimiters.timeLimiter(SERVICE_A);
        this.json = json;
        this.timeLimit = timeLimiter.getTimeLimiterConfig().getTimeoutDuration();
        this.bulkheadFull = Outcome.BULKHEAD_FULL.message(bulkhead.getBulkheadConfig().getMaxConcurrentCalls());
        circuitBreaker.getEventPublisher().onStateTransition(event -> {
            CircuitBreaker.State to = event.getStateTransition().getToState();
            log.info("service=B circuit_breaker={} from={} to={}", circuitBreaker.getName(),
                    event.getStateTransition().getFromState(), to);
            if (to == CircuitBreaker.State.OPEN) {
                openedAtNanos = System.nanoTime();
            } else if (to == CircuitBreaker.State.HALF_OPEN) {
                channel.reconnectNow(); // the trial call should find A if it is back, not a stale backoff
            }
        });
    }

    public CallResult echo(String msg) {
        if (!bulkhead.tryAcquirePermission()) {
            return new CallResult(Outcome.BULKHEAD_FULL, null, bulkheadFull, null, null);
        }
        try {
            if (!circuitBreaker.tryAcquirePermission()) {
                return CallResult.circuitOpen(retryAfter());
            }
            return guardedEcho(msg);
        } finally {
            bulkhead.onComplete();
        }
    }

    /**
     * Runs with a breaker permission held: every path reports to the breaker exactly once, Errors
     * included, or a half-open trial's permit would leak and the breaker stay half-open.
     */
    private CallResult guardedEcho(String msg) {
        long start = System.nanoTime();
        boolean trial = circuitBreaker.getState() == CircuitBreaker.State.HALF_OPEN;
        if (!trial && !channel.isConnected()) {
            // No connection (A just came back and the last refusal is stale, or it is being made):
            // ask for one and give it a moment, rather than fail at once on the stale refusal.
            channel.awaitConnected(connectWait);
        }
        EchoReply reply;
        try {
            // A stub with a deadline is derived per call: a stored one would expire once, for good.
            // A trial call waits for a connection (within the deadline) instead of failing on a stale one.
            EchoRequest request = EchoRequest.newBuilder().setMsg(msg).build();
            if (hedging != null) {
                reply = hedging.echo(trial ? hedgedStub.withWaitForReady() : hedgedStub,
                        request, Deadline.after(timeLimit.toNanos(), TimeUnit.NANOSECONDS));
            } else {
                reply = (trial ? stub.withWaitForReady() : stub)
                        .withDeadlineAfter(timeLimit.toNanos(), TimeUnit.NANOSECONDS)
                        .echo(request);
            }
        } catch (StatusRuntimeException e) {
            return Outcome.isLocalFailure(e.getStatus()) ? internalError(e) : failed(e, start, trial);
        } catch (RuntimeException e) {
            // Thrown by B's own call stack (an interceptor, the stub), before or instead of any answer.
            return internalError(e);
        } catch (Throwable unexpected) {
            circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, unexpected);
            throw unexpected;
        }
        timeLimiter.onSuccess();
        JsonNode echo;
        try {
            echo = json.readTree(reply.getMsg());
        } catch (JsonProcessingException e) {
            echo = null;
        } catch (Throwable unexpected) {
            circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, unexpected);
            throw unexpected;
        }
        if (echo == null || !echo.isObject()) {
            circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS,
                    new IllegalStateException(Outcome.NOT_THE_CONTRACTS_REPLY.message()));
            return CallResult.of(Outcome.NOT_THE_CONTRACTS_REPLY, Outcome.NOT_THE_CONTRACTS_REPLY.message(), null);
        }
        // onResult, not onSuccess: only a result reaches the breaker's transitionOnResult (ServiceABreaker.OpenWhenUnreachable).
        circuitBreaker.onResult(System.nanoTime() - start, TimeUnit.NANOSECONDS, echo);
        return CallResult.ok(echo);
    }

    private CallResult failed(StatusRuntimeException e, long start, boolean trial) {
        Status status = e.getStatus();
        if (status.getCode() == Status.Code.UNKNOWN && status.getCause() instanceof ClosedChannelException) {
            // grpc-java ends a call whose connection closed under it (A killed mid-call) as UNKNOWN
            // "channel closed": that is A gone, not an answer of A.
            status = Status.UNAVAILABLE.withDescription("connection to A closed during the call").withCause(status.getCause());
            e = status.asRuntimeException();
        }
        if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && !channel.isConnected()) {
            // The call waited for a connection that never came (a trial waits for one, any call
            // waits while one is being made): A is unreachable, not slow.
            status = Status.UNAVAILABLE.withDescription("no connection to A within the time limit");
            e = status.asRuntimeException();
        }
        // The breaker's predicate reads the table: failures count as failures, timeouts as slow calls.
        circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
        timeLimiter.onError(status.getCode() == Status.Code.DEADLINE_EXCEEDED ? new TimeoutException() : e);
        Outcome outcome = Outcome.forStatus(status.getCode());
        String error = outcome == Outcome.TIMEOUT ? outcome.message(timeLimit.toMillis()) : outcome.message(status.getCode());
        String tlsFailure = outcome == Outcome.UNAVAILABLE ? TlsFailure.reason(status.getCause()) : null;
        if (tlsFailure != null) {
            error += ": TLS handshake failed, " + tlsFailure;
        }
        String detail = status.getDescription() == null ? status.getCode().name() : status.getCode() + ": " + status.getDescription();
        if (status.getCause() != null) {
            detail += " (" + status.getCause() + ")";
        }
        return CallResult.of(outcome, error, detail);
    }

    /**
     * B's own channel failed the call (Outcome.INTERNAL_ERROR): B's bug, logged as such, and
     * never held against A. The breaker's permission is released unused: nothing is recorded, and a
     * half-open trial's permit comes back for the next call.
     */
    private CallResult internalError(RuntimeException e) {
        circuitBreaker.releasePermission();
        long skipped = internalErrors.admit();
        if (skipped != LogLimiter.SKIP) {
            log.error("service=B reason=internal_error: B's own gRPC channel failed a call to A with a local exception"
                    + " (a bug in B or its libraries, not an answer of A); {} more since the last one logged", skipped, e);
        }
        Throwable cause = e instanceof StatusRuntimeException status && status.getStatus().getCause() != null
                ? status.getStatus().getCause() : e;
        String detail = e instanceof StatusRuntimeException status ? status.getStatus().getCode() + " (" + cause + ")" : cause.toString();
        return CallResult.of(Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR.message(), detail);
    }

    /** The time actually left in the open state, in whole seconds, at least 1 (Retry-After's unit). */
    private Duration retryAfter() {
        long waitNanos = Duration.ofMillis(circuitBreaker.getCircuitBreakerConfig()
                .getWaitIntervalFunctionInOpenState().apply(1)).toNanos();
        long leftNanos = openedAtNanos + waitNanos - System.nanoTime();
        long seconds = (leftNanos + 999_999_999L) / 1_000_000_000L;
        return Duration.ofSeconds(Math.max(1, seconds));
    }

    /**
     * What one call to A came to.
     *
     * @param outcome    its row of the outcome table
     * @param echo       A's answer, parsed (only when {@code outcome} is OK)
     * @param error      a readable explanation for the client (never gRPC's internal debug text)
     * @param retryAfter when calling again makes sense (only when the breaker is open)
     * @param detail     what went wrong in gRPC's words, for B's log only (it may name addresses)
     */
    public record CallResult(Outcome outcome, JsonNode echo, String error, Duration retryAfter, String detail) {

        static CallResult ok(JsonNode echo) {
            return new CallResult(Outcome.OK, echo, null, null, null);
        }

        static CallResult of(Outcome outcome, String error, String detail) {
            return new CallResult(outcome, null, error, null, detail);
        }

        static CallResult circuitOpen(Duration retryAfter) {
            return new CallResult(Outcome.CIRCUIT_OPEN, null, Outcome.CIRCUIT_OPEN.message(), retryAfter, null);
        }

        /** A request refused before A is called (any 4xx of /call-echo). */
        public static CallResult badRequest(String error) {
            return new CallResult(Outcome.BAD_REQUEST, null, error, null, null);
        }
    }

    /**
     * At most one log entry per interval for a repeating event: the first one at once, the next once the
     * interval is over, with the number of those left out in between. A bug hit on every call at 3,000
     * calls/s must not write 3,000 stack traces a second.
     */
    static final class LogLimiter {

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
}
