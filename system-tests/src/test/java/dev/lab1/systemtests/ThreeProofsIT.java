package dev.lab1.systemtests;

import static dev.lab1.systemtests.ServiceProcess.freePort;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The original README's three proofs, on the real jars as separate processes: success, A
 * unavailable, A slow; then A back to normal, without touching B.
 */
class ThreeProofsIT {

    private final int aGrpcPort = freePort();
    private final int aHttpPort = freePort();
    private final int bPort = freePort();
    private ServiceProcess a;
    private ServiceProcess b;

    @AfterEach
    void stopEverything() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void successThenADownThenASlowThenRecovery() {
        a = ServiceProcess.serviceA(aGrpcPort, aHttpPort);
        b = ServiceProcess.serviceB(bPort, aGrpcPort);
        a.awaitReady();
        b.awaitReady();

        // 1. Success: the combined answer, and a log line in each service.
        var ok = callEcho();
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("{\"service_b\":\"ok\",\"service_a\":{\"echo\":\"test\"}}");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(a.log()).containsPattern("service=A procedure=Echo status=ok latency_ms=\\d+");
            assertThat(b.log()).containsPattern("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms=\\d+");
        });

        // 2. A unavailable: a clear 503 within 2 s, then the breaker answers without calling A.
        a.sigkill();
        var down = callEcho();
        assertThat(down.status()).as(() -> "B's last log lines:\n" + b.logTail(5)).isEqualTo(503);
        assertThat(down.body()).contains("\"service_a\":\"unavailable\"");
        assertThat(down.elapsed()).isLessThan(Duration.ofSeconds(2));
        var fastFail = new AtomicReference<Http.Answer>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            fastFail.set(callEcho());
            return fastFail.get().body().contains("circuit_open");
        });
        assertThat(fastFail.get().status()).isEqualTo(503);
        assertThat(fastFail.get().retryAfter()).isNotBlank();
        assertThat(fastFail.get().elapsed()).isLessThan(Duration.ofMillis(500));
        assertThat(Http.get(b("/health")).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(b.log()).contains("reason=unavailable").contains("reason=circuit_open"));

        // 3. A slow (3 s, the limit is 1 s): 504 timeout after about 1 s, B's /health instant.
        a = ServiceProcess.serviceA(aGrpcPort, aHttpPort, "--delay=3").awaitReady();
        var slow = new AtomicReference<Http.Answer>();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            slow.set(callEcho());
            return slow.get().status() == 504;
        });
        assertThat(slow.get().body()).contains("\"service_a\":\"timeout\"");
        assertThat(slow.get().elapsed()).isBetween(Duration.ofMillis(900), Duration.ofSeconds(3));
        assertThat(Http.get(b("/health")).elapsed()).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(a.log()).contains("service=A procedure=Echo status=cancelled"));

        // And back: A normal again, B answers 200 again by itself.
        a.sigkill();
        a = ServiceProcess.serviceA(aGrpcPort, aHttpPort).awaitReady();
        await().atMost(Duration.ofSeconds(20)).until(() -> callEcho().status() == 200);
    }

    private Http.Answer callEcho() {
        return Http.get(b("/call-echo?msg=test"));
    }

    private String b(String path) {
        return "http://127.0.0.1:" + bPort + path;
    }
}
