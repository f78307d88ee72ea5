package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A protects itself, on the real jar with the README's JVM flags (96 MB heap, exit on
 * OutOfMemoryError): 4 MB messages and a flood of 10,000 concurrent slow calls get clear statuses
 * at once, A survives with its heap small, and answers normally as soon as the flood stops.
 * Prints FAULT-MATRIX lines (docs/reliability.md).
 */
class ServiceAGuardIT {

    private static final int FLOOD = 10_000;
    /** Enough connections that the flood reaches A at once (200 open calls per connection at most). */
    private static final int CONNECTIONS = 60;

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @Test
    void fourMegabyteMessagesAndAFloodOfSlowCallsLeaveAUnharmed() throws Exception {
        ServiceProcess a = processes.serviceA("--delay=3");
        a.awaitReady(); // no warm-up beyond A's own: the flood's statuses, heap and next call are judged, not its speed
        List<GrpcPeer> peers = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                peers.add(new GrpcPeer(a.grpcPort()));
            }
            // Four 4 MB messages in parallel: refused before they are decoded.
            String huge = "x".repeat(4 * 1024 * 1024);
            List<CompletableFuture<Status.Code>> bigOnes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                bigOnes.add(echo(peers.get(i), huge, Duration.ofSeconds(30)));
            }
            Map<Status.Code, Long> big = count(bigOnes);
            assertThat(big).containsOnlyKeys(Status.Code.RESOURCE_EXHAUSTED);

            // A's live heap before the flood (after a full collection), to compare with after it.
            double liveBeforeMb = liveHeapMb(a);

            // 10,000 concurrent calls, each asking for a 3 s delayed reply.
            long start = System.nanoTime();
            List<CompletableFuture<Status.Code>> flood = new ArrayList<>();
            for (int i = 0; i < FLOOD; i++) {
                flood.add(echo(peers.get(i % CONNECTIONS), "flood " + i, Duration.ofSeconds(30)));
            }
            Map<Status.Code, Long> answers = count(flood);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(a.isAlive()).isTrue();

            // Right after: a normal call (3 s, the configured delay) is answered, and the heap is small again.
            var after = peers.get(0).serviceA(10_000).echo(EchoRequest.newBuilder().setMsg("after").build());
            assertThat(after.getMsg()).isEqualTo("{\"echo\": \"after\"}");
            String scrape = a.management("/actuator/prometheus").body();
            double heapMb = heapUsed(scrape) / 1024 / 1024;
            double liveAfterMb = liveHeapMb(a);
            double refused = Processes.metric(scrape, "grpc_calls_refused_total");
            // A full handler queue answers RESOURCE_EXHAUSTED too, counted apart (calls shed before a handler).
            double shed = Processes.metric(scrape, "grpc_calls_shed_total");

            System.out.printf("FAULT-MATRIX | 4 x 4 MB Echo straight to A | %s | A alive%n", big);
            System.out.printf("FAULT-MATRIX | %d concurrent Echo to A (--delay=3, 96 MB heap) over %d connections | %s "
                            + "in %s | A alive, no OutOfMemoryError; %.0f refused at A's call limit, %.0f shed at its full "
                            + "handler queue; heap after %.0f MB (live after a full GC: %.1f MB before the flood, %.1f MB after); "
                            + "next call answered normally%n",
                    FLOOD, CONNECTIONS, answers, Outcomes.millis(took), refused, shed, heapMb, liveBeforeMb, liveAfterMb);
            assertThat(answers.keySet()).isSubsetOf(Status.Code.OK, Status.Code.RESOURCE_EXHAUSTED);
            // Calls reach A over several seconds: more than 1000 may be answered in all, never more than 1000 held at once.
            assertThat(answers.getOrDefault(Status.Code.OK, 0L)).isPositive();
            assertThat(answers.getOrDefault(Status.Code.RESOURCE_EXHAUSTED, 0L)).isEqualTo((long) (refused + shed))
                    .isGreaterThan(FLOOD / 2);
            // With -XX:+ExitOnOutOfMemoryError a heap that ran out ends A: "alive" above is the
            // proof that it did not (heap used < 96 MB under -Xmx96m could not fail).
            assertThat(a.log()).doesNotContain("OutOfMemoryError");
            // And A keeps nothing of the 10,000 calls once they are answered: its live heap after
            // a full collection is back to what it was before. 8 MB is under a kilobyte per flood
            // call (a call's stream, its scheduled reply or timeout weigh more than that), and well
            // over the noise of class loading and JIT-era metadata between the two measures.
            assertThat(liveAfterMb).as("A's live heap after the flood, MB (before: %.1f)", liveBeforeMb)
                    .isLessThan(liveBeforeMb + 8);
        } finally {
            for (GrpcPeer peer : peers) {
                peer.close();
            }
        }
    }

    private static CompletableFuture<Status.Code> echo(GrpcPeer peer, String msg, Duration deadline) {
        var result = new CompletableFuture<Status.Code>();
        var call = ServiceAGrpc.newFutureStub(peer.channel()).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .echo(EchoRequest.newBuilder().setMsg(msg).build());
        Futures.addCallback(call, new FutureCallback<EchoReply>() {
            @Override
            public void onSuccess(EchoReply reply) {
                result.complete(Status.Code.OK);
            }

            @Override
            public void onFailure(Throwable t) {
                result.complete(Status.fromThrowable(t).getCode());
            }
        }, MoreExecutors.directExecutor());
        return result;
    }

    private static Map<Status.Code, Long> count(List<CompletableFuture<Status.Code>> calls) {
        await().atMost(Duration.ofSeconds(60)).until(() -> calls.stream().allMatch(CompletableFuture::isDone));
        var counts = new TreeMap<Status.Code, Long>();
        calls.forEach(call -> counts.merge(call.join(), 1L, Long::sum));
        return counts;
    }

    /** A's heap used right after a full collection it was asked for (jcmd GC.run): what A keeps alive. */
    private static double liveHeapMb(ServiceProcess a) throws Exception {
        var jcmd = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(a.pid()), "GC.run").redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes());
        assertThat(jcmd.waitFor()).as("jcmd GC.run: %s", out).isZero();
        return heapUsed(a.management("/actuator/prometheus").body()) / 1024 / 1024;
    }

    private static double heapUsed(String scrape) {
        return scrape.lines().filter(line -> line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\""))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }
}
