package dev.lab1.serviceb.call;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.proto.ServiceAGrpc.ServiceABlockingStub;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Calls A's Echo through the Resilience4j instances named {@value #SERVICE_A}, in this order:
 * bulkhead (bound calls in flight) → circuit breaker (fail fast while A is failing) → the RPC
 * with a gRPC deadline (the time limit).
 *
 * <p>The guards are used through their permission API rather than decorators so that the order is
 * visible here and no path throws: a rejected call costs no exception. The time limit is a gRPC
 * deadline derived per call, because only that cancels the RPC (A sees it and stops waiting); a
 * Resilience4j TimeLimiter around a blocking call could only abandon it. The TimeLimiter instance
 * still holds the configured limit and records each outcome, so its metrics stay true.
 */
@Component
class ServiceAClient {

    static final String SERVICE_A = "service-a";

    private static final Logger log = LoggerFactory.getLogger(ServiceAClient.class);

    private final ServiceABlockingStub stub;
    private final ServiceAChannel channel;
    private final Bulkhead bulkhead;
    private final CircuitBreaker circuitBreaker;
    private final TimeLimiter timeLimiter;
    private final ObjectMapper json;
    private final long timeLimitNanos;
    private final String timeoutError;
    private final String busyError;

    ServiceAClient(ServiceAChannel channel, BulkheadRegistry bulkheads, CircuitBreakerRegistry circuitBreakers,
                   TimeLimiterRegistry timeLimiters, ObjectMapper json) {
        this.stub = ServiceAGrpc.newBlockingStub(channel.channel());
        this.channel = channel;
        this.bulkhead = bulkheads.bulkhead(SERVICE_A);
        this.circuitBreaker = circuitBreakers.circuitBreaker(SERVICE_A);
        circuitBreaker.getEventPublisher().onStateTransition(event -> {
            log.info("service=B circuit_breaker={} from={} to={}", circuitBreaker.getName(),
                    event.getStateTransition().getFromState(), event.getStateTransition().getToState());
            if (event.getStateTransition().getToState() == CircuitBreaker.State.HALF_OPEN) {
                channel.reconnectNow(); // the trial calls should find A if it is back, not a stale backoff
            }
        });
        this.timeLimiter = timeLimiters.timeLimiter(SERVICE_A);
        this.json = json;
        Duration timeLimit = timeLimiter.getTimeLimiterConfig().getTimeoutDuration();
        this.timeLimitNanos = timeLimit.toNanos();
        this.timeoutError = "service A did not answer within " + timeLimit.toMillis() + " ms";
        this.busyError = "too many calls to service A in flight (limit "
                + bulkhead.getBulkheadConfig().getMaxConcurrentCalls() + ")";
    }

    CallResult echo(String msg) {
        if (!bulkhead.tryAcquirePermission()) {
            return CallResult.failed(Reason.BUSY, busyError);
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

    /** Runs with a breaker permission held: every path must report to the breaker exactly once. */
    private CallResult guardedEcho(String msg) {
        long start = System.nanoTime();
        boolean trial = circuitBreaker.getState() == CircuitBreaker.State.HALF_OPEN;
        EchoReply reply;
        try {
            // A stub with a deadline is derived per call: a stored one would expire once, for good.
            // A trial call waits for a connection (within the deadline) instead of failing on a stale one.
            reply = (trial ? stub.withWaitForReady() : stub)
                    .withDeadlineAfter(timeLimitNanos, TimeUnit.NANOSECONDS)
                    .echo(EchoRequest.newBuilder().setMsg(msg).build());
        } catch (RuntimeException e) {
            circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            Status status = Status.fromThrowable(e);
            if (trial && status.getCode() == Status.Code.DEADLINE_EXCEEDED && !channel.isConnected()) {
                // The trial waited for a connection that never came: A is down, not slow.
                status = Status.UNAVAILABLE.withDescription("no connection to A within the time limit");
            }
            timeLimiter.onError(status.getCode() == Status.Code.DEADLINE_EXCEEDED ? new TimeoutException() : e);
            return failure(status);
        }
        timeLimiter.onSuccess();
        JsonNode echo;
        try {
            echo = json.readTree(reply.getMsg());
        } catch (JsonProcessingException e) {
            echo = null;
        }
        if (echo == null || !echo.isObject()) {
            circuitBreaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS,
                    new IllegalStateException("reply is not a JSON object"));
            return CallResult.failed(Reason.ERROR, "service A sent a reply that is not a JSON object");
        }
        circuitBreaker.onSuccess(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return CallResult.ok(echo);
    }

    private CallResult failure(Status status) {
        Status.Code code = status.getCode();
        Reason reason = Reason.forStatus(code);
        String error = switch (reason) {
            case UNAVAILABLE -> "service A is not reachable";
            case TIMEOUT -> timeoutError;
            case BUSY -> "service A is overloaded";
            default -> "service A answered with status " + code;
        };
        String detail = status.getDescription() == null ? code.name() : code + ": " + status.getDescription();
        if (status.getCause() != null) {
            detail += " (" + status.getCause() + ")";
        }
        return CallResult.failed(reason, error, detail);
    }

    private Duration retryAfter() {
        return Duration.ofMillis(circuitBreaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
    }
}
