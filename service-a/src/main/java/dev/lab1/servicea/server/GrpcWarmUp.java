package dev.lab1.servicea.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import net.devh.boot.grpc.server.service.GrpcServiceDefinition;
import net.devh.boot.grpc.server.service.GrpcServiceDiscoverer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * A's warm-up, before its gRPC port opens: the same services with the same interceptors, served on
 * a throwaway loopback port, answer {@code service-a.grpc.warm-up.calls} Echo calls (msg
 * {@code warm-up}, logged and measured as any call). A freshly started A otherwise met its first
 * callers with a cold transport and handler path: its first answers took seconds under a burst,
 * and a caller's breaker saw a healthy A time out.
 *
 * <p>It runs once every bean exists, before any lifecycle starts (net.devh's starts the real
 * server, Spring Boot's the Actuator port), and never holds A back for long: it stops at {@code service-a.grpc.warm-up.max-duration},
 * or at the first call that does not answer in time (an A started with {@code --delay} is slow on
 * purpose: warming it up would only delay its start).
 */
@Component
class GrpcWarmUp implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(GrpcWarmUp.class);
    private static final int CONCURRENCY = 8;
    /** B's default time limit: a warm-up call slower than that is an A slow on purpose (--delay). */
    private static final long CALL_DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final GrpcServiceDiscoverer services;
    private final ExecutorService grpcHandlers;
    private final GrpcServerTuning tuning;

    GrpcWarmUp(GrpcServiceDiscoverer services, ExecutorService grpcHandlers, GrpcServerTuning tuning) {
        this.services = services;
        this.grpcHandlers = grpcHandlers;
        this.tuning = tuning;
    }

    /** Once every bean exists and before any lifecycle starts: before the servers open their ports. */
    @Override
    public void afterSingletonsInstantiated() {
        if (tuning.warmUp().calls() > 0) {
            warmUp();
        }
    }

    private void warmUp() {
        long start = System.nanoTime();
        long end = start + tuning.warmUp().maxDuration().toNanos();
        var builder = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .executor(grpcHandlers);
        for (GrpcServiceDefinition service : services.findGrpcServices()) {
            builder.addService(service.getDefinition());
        }
        Server server = null;
        ManagedChannel channel = null;
        int sent = 0;
        var answered = new AtomicInteger();
        var failed = new AtomicInteger();
        var slots = new Semaphore(CONCURRENCY);
        try {
            server = builder.build().start();
            channel = NettyChannelBuilder.forAddress(InetAddress.getLoopbackAddress().getHostAddress(), server.getPort())
                    .usePlaintext().build();
            var stub = ServiceAGrpc.newFutureStub(channel);
            for (; sent < tuning.warmUp().calls() && failed.get() == 0; sent++) {
                long left = end - System.nanoTime();
                if (left <= 0 || !slots.tryAcquire(left, TimeUnit.NANOSECONDS)) {
                    break;
                }
                var call = stub.withDeadlineAfter(Math.min(left, CALL_DEADLINE_NANOS), TimeUnit.NANOSECONDS)
                        .echo(EchoRequest.newBuilder().setMsg("warm-up").build());
                Futures.addCallback(call, new FutureCallback<EchoReply>() {
                    @Override
                    public void onSuccess(EchoReply reply) {
                        answered.incrementAndGet();
                        slots.release();
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        failed.incrementAndGet();
                        slots.release();
                    }
                }, MoreExecutors.directExecutor());
            }
            // The last calls finish (within their deadline) before the throwaway server goes.
            if (slots.tryAcquire(CONCURRENCY, CALL_DEADLINE_NANOS, TimeUnit.NANOSECONDS)) {
                slots.release(CONCURRENCY);
            }
        } catch (IOException e) {
            log.warn("service=A warm_up=skipped reason=\"{}\"", e.toString());
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            if (server != null) {
                server.shutdownNow();
            }
        }
        log.info("service=A warm_up=done calls={} answered={} latency_ms={}", sent, answered.get(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }
}
