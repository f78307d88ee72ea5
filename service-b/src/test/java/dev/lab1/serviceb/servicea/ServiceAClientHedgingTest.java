package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import dev.lab1.serviceb.ServiceBProperties;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client as Spring builds it (from B's settings): hedged only where the address can name several
 * replicas and more than one attempt is allowed. The fake A leaves its first attempt unanswered, as
 * a frozen replica would; only a hedged call gets the answer of the second.
 */
class ServiceAClientHedgingTest {

    private static final Duration LIMIT = Duration.ofMillis(800);

    private final AtomicInteger attempts = new AtomicInteger();
    private final ServiceAChannel channel = mock(ServiceAChannel.class);
    private Server server;
    private ManagedChannel inProcess;

    @BeforeEach
    void serve() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).addService(new ServiceAGrpc.ServiceAImplBase() {
            @Override
            public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                if (attempts.incrementAndGet() > 1) {
                    observer.onNext(EchoReply.newBuilder().setMsg("{\"echo\": \"" + request.getMsg() + "\"}").build());
                    observer.onCompleted();
                }
            }
        }).build().start();
        inProcess = InProcessChannelBuilder.forName(name).build();
        when(channel.channel()).thenReturn(inProcess);
        when(channel.isConnected()).thenReturn(true);
    }

    @AfterEach
    void stop() throws InterruptedException {
        inProcess.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private ServiceAClient client(String address, int maxAttempts) {
        var shipped = ServiceAChannelTest.properties(address);
        var serviceA = new ServiceBProperties.ServiceA(address, shipped.tls(), shipped.keepAliveTime(),
                shipped.keepAliveTimeout(), shipped.idleTimeout(), shipped.reconnectInterval(), shipped.serviceConfig(), Duration.ZERO,
                new ServiceBProperties.Hedging(maxAttempts, Duration.ofMillis(50), 1.5), shipped.warmUp(), shipped.health(),
                shipped.breaker());
        var properties = new ServiceBProperties(new ServiceBProperties.CallEcho(1024),
                new ServiceBProperties.Http(Duration.ofSeconds(10)), serviceA);
        return new ServiceAClient(channel, properties, BulkheadRegistry.ofDefaults(), CircuitBreakerRegistry.ofDefaults(),
                TimeLimiterRegistry.of(TimeLimiterConfig.custom().timeoutDuration(LIMIT).build()), new ObjectMapper());
    }

    @Test
    void severalReplicasAndAttemptsHedgeTheCall() {
        var result = client(" static://127.0.0.1:1,127.0.0.1:2 ", 2).echo("x");

        assertThat(result.outcome()).isEqualTo(Outcome.OK);
        assertThat(result.echo().get("echo").asText()).isEqualTo("x");
        assertThat(attempts).hasValue(2);
    }

    @Test
    void oneReplicaIsNotHedged() {
        assertThat(client("static://127.0.0.1:1", 3).echo("x").outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void oneAttemptIsNotHedged() {
        assertThat(client("static://127.0.0.1:1,127.0.0.1:2", 1).echo("x").outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(attempts).hasValue(1);
    }
}
