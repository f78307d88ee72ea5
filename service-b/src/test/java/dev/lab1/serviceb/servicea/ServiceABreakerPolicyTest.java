package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import dev.lab1.serviceb.ServiceBProperties;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.common.circuitbreaker.configuration.CircuitBreakerConfigCustomizer;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;

/**
 * The breaker's one customizer (ServiceABreaker's bean) applied to a builder as
 * Resilience4j applies it: the outcome table as the failure predicate, the time limit as the
 * slow-call threshold, and the unreachable rule reading B's channel, for the YAML's open wait.
 */
class ServiceABreakerPolicyTest {

    private static final Duration LIMIT = Duration.ofMillis(700);
    private static final Duration OPEN_WAIT = Duration.ofMillis(400);

    private final ServiceAChannel channel = mock(ServiceAChannel.class);
    private final TimeLimiterRegistry timeLimiters = TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(LIMIT).build());

    private static ServiceBProperties properties(int unreachableFailuresToOpen) {
        var shipped = ServiceAChannelTest.properties("static://127.0.0.1:1");
        var serviceA = new ServiceBProperties.ServiceA(shipped.address(), shipped.tls(), shipped.keepAliveTime(),
                shipped.keepAliveTimeout(), shipped.idleTimeout(), shipped.reconnectInterval(), shipped.serviceConfig(), shipped.connectWait(),
                shipped.hedging(), shipped.warmUp(), shipped.health(), new ServiceBProperties.Breaker(unreachableFailuresToOpen));
        return new ServiceBProperties(new ServiceBProperties.CallEcho(1024), new ServiceBProperties.Http(Duration.ofSeconds(10)), serviceA);
    }

    /** The YAML's part (a window too large to judge here), then the customizer's. */
    private CircuitBreakerConfig customized(int unreachableFailuresToOpen) {
        CircuitBreakerConfigCustomizer customizer = customizer(properties(unreachableFailuresToOpen));
        assertThat(customizer.name()).isEqualTo(ServiceAClient.SERVICE_A);
        CircuitBreakerConfig.Builder builder = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.TIME_BASED)
                .slidingWindowSize(5)
                .minimumNumberOfCalls(10_000)
                .waitDurationInOpenState(OPEN_WAIT);
        customizer.customize(builder);
        return builder.build();
    }

    /** The configuration's one customizer bean, called as Spring calls it (found by its type, whatever its name). */
    private CircuitBreakerConfigCustomizer customizer(ServiceBProperties properties) {
        Method bean = Arrays.stream(ServiceABreaker.class.getDeclaredMethods())
                .filter(m -> m.isAnnotationPresent(Bean.class) && m.getReturnType() == CircuitBreakerConfigCustomizer.class)
                .findFirst().orElseThrow();
        try {
            bean.setAccessible(true);
            return (CircuitBreakerConfigCustomizer) bean.invoke(new ServiceABreaker(), timeLimiters, properties, channel);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static void fail(CircuitBreaker breaker, Status status) {
        breaker.onError(1, TimeUnit.MILLISECONDS, status.asRuntimeException());
    }

    @Test
    void theOutcomeTableDecidesWhatIsAFailureAndTheTimeLimitWhatIsSlow() {
        CircuitBreakerConfig config = customized(3);

        assertThat(config.getSlowCallDurationThreshold()).isEqualTo(LIMIT);
        assertThat(config.getRecordExceptionPredicate().test(Status.UNAVAILABLE.asRuntimeException())).isTrue();
        assertThat(config.getRecordExceptionPredicate().test(Status.INTERNAL.asRuntimeException())).isTrue();
        assertThat(config.getRecordExceptionPredicate().test(Status.DEADLINE_EXCEEDED.asRuntimeException())).isFalse();
        assertThat(config.getRecordExceptionPredicate().test(Status.INVALID_ARGUMENT.asRuntimeException())).isFalse();
        assertThat(config.getRecordExceptionPredicate().test(Status.RESOURCE_EXHAUSTED.asRuntimeException())).isFalse();
    }

    @Test
    void failuresInARowWhileBsChannelCannotConnectOpenItForTheYamlsWait() {
        when(channel.isUnreachable()).thenReturn(true);
        CircuitBreaker breaker = CircuitBreaker.of(ServiceAClient.SERVICE_A, customized(3));

        fail(breaker, Status.UNAVAILABLE);
        fail(breaker, Status.UNAVAILABLE);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        fail(breaker, Status.UNAVAILABLE);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.tryAcquirePermission()).isFalse();
        long openedAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(breaker::tryAcquirePermission);
        assertThat(Duration.ofNanos(System.nanoTime() - openedAt)).isLessThan(Duration.ofSeconds(5));
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    }

    @Test
    void theRuleAsksBsChannel() {
        when(channel.isUnreachable()).thenReturn(false);
        CircuitBreaker breaker = CircuitBreaker.of(ServiceAClient.SERVICE_A, customized(3));

        for (int i = 0; i < 10; i++) {
            fail(breaker, Status.UNAVAILABLE);
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void zeroTurnsTheRuleOff() {
        when(channel.isUnreachable()).thenReturn(true);
        CircuitBreaker breaker = CircuitBreaker.of(ServiceAClient.SERVICE_A, customized(0));

        for (int i = 0; i < 10; i++) {
            fail(breaker, Status.UNAVAILABLE);
        }

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(customized(0).getSlowCallDurationThreshold()).isEqualTo(LIMIT);
    }

    @Test
    void oneFailureIsEnoughWhenSoConfigured() {
        when(channel.isUnreachable()).thenReturn(true);
        CircuitBreaker breaker = CircuitBreaker.of(ServiceAClient.SERVICE_A, customized(1));

        fail(breaker, Status.UNAVAILABLE);

        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
    }
}
