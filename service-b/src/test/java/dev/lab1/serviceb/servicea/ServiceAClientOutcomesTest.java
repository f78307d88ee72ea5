package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLHandshakeException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.ServiceAGrpc.ServiceABlockingStub;
import dev.lab1.serviceb.servicea.ServiceAClient.CallResult;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Every way {@link ServiceAClient#echo} ends, against a stub of the test's choice: the outcome, the
 * client's message and B's log detail, what the breaker, the bulkhead and the time limiter record, and
 * the Retry-After of an open breaker.
 */
class ServiceAClientOutcomesTest {

    private static final Duration LIMIT = Duration.ofSeconds(1);
    private static final Duration CONNECT_WAIT = Duration.ofMillis(250);
    private static final Duration OPEN_WAIT = Duration.ofSeconds(5);

    private final CircuitBreakerRegistry breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
            .slowCallDurationThreshold(LIMIT)
            .waitDurationInOpenState(OPEN_WAIT)
            .permittedNumberOfCallsInHalfOpenState(1)
            .recordException(ServiceABreaker::isFailureOfA)
            .build());
    private final CircuitBreaker breaker = breakers.circuitBreaker(ServiceAClient.SERVICE_A);
    private final BulkheadRegistry bulkheads = BulkheadRegistry.of(BulkheadConfig.custom()
            .maxConcurrentCalls(1).maxWaitDuration(Duration.ZERO).build());
    private final Bulkhead bulkhead = bulkheads.bulkhead(ServiceAClient.SERVICE_A);
    private final TimeLimiterRegistry timeLimiters = TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(LIMIT).build());
    private final TimeLimiter timeLimiter = timeLimiters.timeLimiter(ServiceAClient.SERVICE_A);
    private final AtomicInteger limiterSuccesses = new AtomicInteger();
    private final AtomicInteger limiterTimeouts = new AtomicInteger();
    private final AtomicInteger limiterErrors = new AtomicInteger();
    private final ServiceABlockingStub stub = mock(ServiceABlockingStub.class);
    private final ServiceAChannel channel = mock(ServiceAChannel.class);
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ServiceAClient.class);

    ServiceAClientOutcomesTest() {
        when(stub.withDeadlineAfter(anyLong(), any(TimeUnit.class))).thenReturn(stub);
        when(stub.withWaitForReady()).thenReturn(stub);
        when(channel.isConnected()).thenReturn(true);
        timeLimiter.getEventPublisher()
                .onSuccess(e -> limiterSuccesses.incrementAndGet())
                .onTimeout(e -> limiterTimeouts.incrementAndGet())
                .onError(e -> limiterErrors.incrementAndGet());
        logged.start();
        logger.addAppender(logged);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(logged);
    }

    private ServiceAClient client() {
        return client(new ObjectMapper());
    }

    private ServiceAClient client(ObjectMapper json) {
        return new ServiceAClient(stub, channel, CONNECT_WAIT, bulkheads, breakers, timeLimiters, json);
    }

    private void replyWith(String msg) {
        doReturn(EchoReply.newBuilder().setMsg(msg).build()).when(stub).echo(any());
    }

    private void failWith(Status status) {
        doThrow(status.asRuntimeException()).when(stub).echo(any());
    }

    @Test
    void aJsonObjectIsOkAndASuccessEverywhere() {
        replyWith("{\"echo\": \"x\"}");

        CallResult result = client().echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.OK);
        assertThat(result.echo().get("echo").asText()).isEqualTo("x");
        assertThat(result.error()).isNull();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(limiterSuccesses).hasValue(1);
        // The call carries the time limit as its gRPC deadline.
        verify(stub).withDeadlineAfter(LIMIT.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void aReplyThatIsNotAJsonObjectIsAFailureOfA() {
        for (String reply : new String[] {"not json", "[1, 2]", "\"text\"", ""}) {
            replyWith(reply);

            CallResult result = client().echo("x");

            assertThat(result.outcome()).as(reply).isEqualTo(Outcome.NOT_THE_CONTRACTS_REPLY);
            assertThat(result.error()).isEqualTo("service A sent a reply that is not a JSON object");
            assertThat(result.echo()).isNull();
        }
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(4);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isZero();
        // Recorded with the call's own duration: answered at once, not slow.
        assertThat(breaker.getMetrics().getNumberOfSlowFailedCalls()).isZero();
    }

    @Test
    void anErrorWhileReadingTheReplyIsRecordedAndThrown() {
        replyWith("{}");
        var brokenJson = new ObjectMapper() {
            @Override
            public JsonNode readTree(String content) throws JsonProcessingException {
                throw new StackOverflowError("a bug, not A");
            }
        };

        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThatThrownBy(() -> client(brokenJson).echo("x")).isInstanceOf(StackOverflowError.class);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfSlowFailedCalls()).isZero();
        assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void anErrorThrownByTheCallIsAFailureWithItsOwnDuration() {
        doThrow(new OutOfMemoryError("simulated")).when(stub).echo(any());

        assertThatThrownBy(() -> client().echo("x")).isInstanceOf(OutOfMemoryError.class);
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(breaker.getMetrics().getNumberOfSlowFailedCalls()).isZero();
    }

    @Test
    void aDeadlineWhileConnectedIsATimeoutCountedAsSlowNotFailed() {
        failWith(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded after 1.0s"));

        CallResult result = client().echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(result.error()).isEqualTo("service A did not answer within 1000 ms");
        assertThat(result.detail()).isEqualTo("DEADLINE_EXCEEDED: deadline exceeded after 1.0s");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isEqualTo(1);
        assertThat(limiterTimeouts).hasValue(1);
        assertThat(limiterErrors).hasValue(0);
    }

    @Test
    void aDeadlineWithoutAConnectionIsAUnavailableA() {
        when(channel.isConnected()).thenReturn(false);
        failWith(Status.DEADLINE_EXCEEDED);

        CallResult result = client().echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.detail()).isEqualTo("UNAVAILABLE: no connection to A within the time limit");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(1);
        assertThat(limiterErrors).hasValue(1);
        assertThat(limiterTimeouts).hasValue(0);
    }

    @Test
    void theDetailNamesTheCodeTheDescriptionAndTheCause() {
        failWith(Status.UNAVAILABLE.withDescription("io exception").withCause(new ConnectException("Connection refused")));
        assertThat(client().echo("x").detail())
                .isEqualTo("UNAVAILABLE: io exception (java.net.ConnectException: Connection refused)");

        failWith(Status.UNAVAILABLE);
        CallResult bare = client().echo("x");
        assertThat(bare.detail()).isEqualTo("UNAVAILABLE");
        assertThat(bare.error()).isEqualTo("service A is not reachable");
    }

    @Test
    void aRefusedHandshakeSaysWhatIsWrongWithAsCertificate() {
        var handshake = new SSLHandshakeException("General OpenSslEngine problem");
        handshake.initCause(new CertificateException(new CertPathValidatorException("Path does not chain with any of the trust anchors")));
        failWith(Status.UNAVAILABLE.withDescription("ssl exception").withCause(handshake));

        CallResult result = client().echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.UNAVAILABLE);
        assertThat(result.error()).isEqualTo("service A is not reachable: TLS handshake failed, untrusted: A's certificate "
                + "is not signed by a CA B trusts (Path does not chain with any of the trust anchors)");
    }

    @Test
    void onlyAnUnknownStatusFromAClosedChannelIsRewrittenAsUnavailable() {
        failWith(Status.UNAVAILABLE.withDescription("as sent").withCause(new ClosedChannelException()));
        assertThat(client().echo("x").detail()).startsWith("UNAVAILABLE: as sent");

        failWith(Status.UNKNOWN.withDescription("other").withCause(new IOException("not a closed channel")));
        CallResult unknown = client().echo("x");
        assertThat(unknown.outcome()).isEqualTo(Outcome.A_BROKEN);
        assertThat(unknown.error()).isEqualTo("service A answered with status UNKNOWN");
    }

    @Test
    void anApplicationErrorIsAnAnswerOfANotAFailure() {
        failWith(Status.INVALID_ARGUMENT.withDescription("msg is longer than 1024 characters"));

        CallResult result = client().echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.APPLICATION_ERROR);
        assertThat(result.error()).isEqualTo("service A answered with status INVALID_ARGUMENT");
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isZero();
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(1);
        // Answered at once: not a slow call (only a call that lasted the time limit is).
        assertThat(breaker.getMetrics().getNumberOfSlowCalls()).isZero();
        assertThat(limiterErrors).hasValue(1);
    }

    @Test
    void aFullBulkheadAnswersBusyWithoutCallingA() {
        replyWith("{}");
        ServiceAClient client = client();
        assertThat(bulkhead.tryAcquirePermission()).isTrue(); // the one place taken by another call

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.BULKHEAD_FULL);
        assertThat(result.error()).isEqualTo("too many calls to service A in flight (limit 1)");
        verify(stub, never()).echo(any());
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();

        bulkhead.onComplete();
        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.OK);
        assertThat(client.echo("x").outcome()).as("each call gives its place back").isEqualTo(Outcome.OK);
    }

    @Test
    void anOpenBreakerAnswersAtOnceWithTheWaitLeftAndGivesTheBulkheadPlaceBack() {
        replyWith("{}");
        ServiceAClient client = client();
        breaker.transitionToOpenState();

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.CIRCUIT_OPEN);
        assertThat(result.error()).isEqualTo(Outcome.CIRCUIT_OPEN.message());
        assertThat(result.retryAfter()).isEqualTo(OPEN_WAIT);
        verify(stub, never()).echo(any());
        assertThat(bulkhead.getMetrics().getAvailableConcurrentCalls()).isEqualTo(1);
    }

    @Test
    void retryAfterCountsFromWhenTheBreakerOpenedNotFromWhenBStarted() {
        replyWith("{}");
        ServiceAClient client = client();
        long createdAt = System.nanoTime();
        // More than a second between B's start and the opening: the time left is the whole wait.
        await().pollDelay(Duration.ofMillis(1100)).atMost(Duration.ofSeconds(5))
                .until(() -> System.nanoTime() - createdAt > TimeUnit.MILLISECONDS.toNanos(1100));
        breaker.transitionToOpenState();

        assertThat(client.echo("x").retryAfter()).isEqualTo(OPEN_WAIT);
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        var shortWait = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom().waitDurationInOpenState(Duration.ofMillis(1)).build());
        replyWith("{}");
        ServiceAClient client = new ServiceAClient(stub, channel, CONNECT_WAIT, bulkheads, shortWait, timeLimiters, new ObjectMapper());
        // Forced open: refused whatever the wait, which is over already.
        shortWait.circuitBreaker(ServiceAClient.SERVICE_A).transitionToForcedOpenState();

        CallResult result = client.echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.CIRCUIT_OPEN);
        assertThat(result.retryAfter()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aClosedBreakerWithoutAConnectionWaitsForOneThenCalls() {
        when(channel.isConnected()).thenReturn(false);
        replyWith("{}");

        assertThat(client().echo("x").outcome()).isEqualTo(Outcome.OK);

        verify(channel).awaitConnected(CONNECT_WAIT);
        verify(stub, never()).withWaitForReady();
    }

    @Test
    void aConnectedCallDoesNotWait() {
        replyWith("{}");

        client().echo("x");

        verify(channel, never()).awaitConnected(any());
        verify(stub, never()).withWaitForReady();
    }

    @Test
    void aHalfOpenTrialWaitsForReadyWithinItsDeadlineInsteadOfTheConnectWait() {
        when(channel.isConnected()).thenReturn(false);
        replyWith("{}");
        ServiceAClient client = client();
        breaker.transitionToOpenState();
        breaker.transitionToHalfOpenState();

        assertThat(client.echo("x").outcome()).isEqualTo(Outcome.OK);

        verify(stub).withWaitForReady();
        verify(channel, never()).awaitConnected(any());
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void bsOwnFailuresAreLoggedOncePerIntervalNotOncePerCall() {
        when(stub.echo(any())).thenThrow(new IllegalStateException("an interceptor's bug"));
        ServiceAClient client = client();

        CallResult first = client.echo("x");
        client.echo("x");
        client.echo("x");

        assertThat(first.outcome()).isEqualTo(Outcome.INTERNAL_ERROR);
        assertThat(first.detail()).isEqualTo("java.lang.IllegalStateException: an interceptor's bug");
        assertThat(first.error()).isEqualTo(Outcome.INTERNAL_ERROR.message());
        assertThat(logged.list).filteredOn(e -> e.getLevel() == Level.ERROR).hasSize(1);
        assertThat(breaker.getMetrics().getNumberOfBufferedCalls()).isZero();
    }
}
