package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.lab1.fakea.FakeServiceA;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The reproduction of issue 22 (grpc-java 1.85.1): B's channel failed a call with UNKNOWN caused by a
 * NullPointerException in OutlierDetectionLoadBalancer, A healthy.
 *
 * <p>Every name resolution result reaches pick_first as {@code Subchannel.updateAddresses}, which the
 * outlier-detection wrapper handles by taking the subchannel out of its address tracker (tracker set
 * to null) and putting it back, in the channel's synchronization context. A call picked on another
 * thread in between gets a null tracker and throws when it ends. B refreshed the resolver every
 * reconnect-interval (resetConnectBackoff refreshes it), and StaticAddresses published the same list
 * every time. Here every call is followed by a refresh, so the window is hit within seconds instead
 * of minutes.
 */
class OutlierDetectionRefreshTest {

    private Server a;
    private ServiceAChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.destroy();
        }
        if (a != null) {
            a.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void refreshingTheResolverUnderLoadFailsNoCall() throws Exception {
        a = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create()).addService(new FakeServiceA()).build().start();
        channel = new ServiceAChannel(ServiceAChannelTest.properties("static://127.0.0.1:" + a.getPort()), Tracer.NOOP, Propagator.NOOP);
        var stub = ServiceAGrpc.newBlockingStub(channel.channel());
        stub.echo(EchoRequest.newBuilder().setMsg("warm-up").build());

        var running = new AtomicBoolean(true);
        var calls = new AtomicLong();
        var failures = new ConcurrentLinkedQueue<Status>();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread caller = new Thread(() -> {
                while (running.get()) {
                    try {
                        stub.withDeadlineAfter(5, TimeUnit.SECONDS).echo(EchoRequest.newBuilder().setMsg("x").build());
                    } catch (StatusRuntimeException e) {
                        failures.add(e.getStatus());
                    }
                    calls.incrementAndGet();
                    // A refresh after every call, run by this thread while the others pick: what the
                    // 2 s reconnect timer did 300 times in the 10-minute run, thousands of times a second.
                    channel.reconnectNow();
                }
            }, "caller-" + i);
            caller.start();
            callers.add(caller);
        }
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(90)).until(() -> !failures.isEmpty() || calls.get() >= 40_000
                || System.nanoTime() - start > TimeUnit.SECONDS.toNanos(20));
        running.set(false);
        for (Thread caller : callers) {
            caller.join(10_000);
        }

        assertThat(failures).as("failed calls among %d, each followed by a refresh", calls.get()).isEmpty();
        assertThat(calls.get()).as("calls made").isGreaterThan(2_000);
    }
}
