package dev.lab1.loadgen;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import org.HdrHistogram.Histogram;

/**
 * Calls A's Echo directly, as wrk calls B: {@code connections} callers in a closed loop on one
 * channel, a warm-up, then a measured run; prints one RESULT line like scripts/bench.lua's.
 *
 * <pre>java -jar load-generator.jar HOST:PORT CONNECTIONS WARMUP_SECONDS SECONDS</pre>
 */
public final class EchoLoad {

    private EchoLoad() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: EchoLoad HOST:PORT CONNECTIONS WARMUP_SECONDS SECONDS");
            System.exit(2);
        }
        String target = args[0];
        int connections = Integer.parseInt(args[1]);
        Duration warmUp = Duration.ofSeconds(Long.parseLong(args[2]));
        Duration measured = Duration.ofSeconds(Long.parseLong(args[3]));

        ManagedChannel channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
        try {
            run(channel, connections, warmUp, false);
            run(channel, connections, measured, true);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void run(ManagedChannel channel, int connections, Duration duration, boolean report)
            throws InterruptedException {
        var stub = ServiceAGrpc.newBlockingStub(channel);
        EchoRequest request = EchoRequest.newBuilder().setMsg("bench").build();
        long end = System.nanoTime() + duration.toNanos();
        List<Histogram> histograms = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            histograms.add(histogram);
            Thread caller = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    try {
                        stub.withDeadlineAfter(1, TimeUnit.SECONDS).echo(request);
                    } catch (StatusRuntimeException e) {
                        errors.incrementAndGet();
                    }
                    histogram.recordValue(Math.min(System.nanoTime() - start, TimeUnit.SECONDS.toNanos(10)));
                }
            });
            callers.add(caller);
            caller.start();
        }
        for (Thread caller : callers) {
            caller.join();
        }
        if (report) {
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            histograms.forEach(all::add);
            System.out.printf("RESULT %.0f %.2f %.2f %.2f %.2f %d%n",
                    all.getTotalCount() / (duration.toNanos() / 1e9),
                    all.getValueAtPercentile(50) / 1e6, all.getValueAtPercentile(99) / 1e6,
                    all.getValueAtPercentile(99.9) / 1e6, all.getMaxValue() / 1e6, errors.get());
        }
    }
}
