package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLSession;

import dev.lab1.proto.HealthCheckRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import dev.lab1.proto.ServiceAGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS between B and A on the real jars, with certificates from scripts/certs.sh: only B may
 * call A; B says what is wrong with A's certificate; certificates rotate under load without a lost
 * call; each replica of a list is checked against its own name; a missing file stops start-up with
 * the setting named. Every service starts cold: nothing here measures speed.
 */
class MutualTlsIT {

    /**
     * Spring Boot's bundle reload waits for the files to settle (quiet-period 1 s), then reloads:
     * measured 1.7 s to a new connection seeing the new certificate, 3.1 s with the machine's two
     * cores shared with image builds. A service that never reloads fails any bound; this one leaves
     * room for a starved CI machine.
     */
    private static final Duration ROTATION_BOUND = Duration.ofSeconds(10);

    @RegisterExtension
    final ProcessFixture processes = new ProcessFixture();

    @TempDir
    Path tmp;

    @Test
    void onlyAClientWithACertificateFromTheTrustedCaMayCallA() {
        var certs = Certificates.make(tmp.resolve("certs"));
        var stranger = Certificates.make(tmp.resolve("stranger"));
        var a = processes.serviceA(certs.serviceAMutualTls()).awaitReady();
        var b = processes.serviceB(a, certs.serviceB("mutual-tls")).awaitReady();

        assertThat(b.callEcho("hello").body()).isEqualTo("{\"service_b\":\"ok\",\"service_a\":{\"echo\":\"hello\"}}");

        int linesBefore = a.logLines().size();
        assertRefused(a, new GrpcPeer(a.grpcPort()), "a plaintext client (the original consumer)", null);
        assertRefused(a, new GrpcPeer(a.grpcPort(), certs.client(null)), "a TLS client without a certificate",
                "certificate required");
        // The alert names the cause (B's TlsFailure reads it as "A refused B's certificate"), not
        // "internal error", which is what a plain CertificateException becomes in Netty's OpenSSL engine.
        assertRefused(a, new GrpcPeer(a.grpcPort(), certs.client(stranger)), "a client whose certificate another CA signed",
                "unknown ca");

        // One line for the stranger's certificate, naming it and why; no stack trace for any attempt.
        String refusal = a.awaitLogLine("gRPC client refused at the TLS handshake");
        assertThat(refusal).contains("certificate CN=service-b issued by CN=lab1 development CA");
        assertThat(a.logLines().subList(linesBefore, a.logLines().size()))
                .as("A's log after three refused clients").noneMatch(line -> line.startsWith("\tat ") || line.contains("Exception:"));
        assertThat(b.callEcho("still B").status()).isEqualTo(200);
    }

    /** Refused with UNAVAILABLE, and when {@code alert} is given, with that TLS alert (any spelling). */
    private static void assertRefused(ServiceProcess a, GrpcPeer peer, String who, String alert) {
        try (peer) {
            assertThatThrownBy(() -> peer.serviceA(5_000).healthCheck(HealthCheckRequest.getDefaultInstance()))
                    .as(who).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).as(who + ": " + e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
                        if (alert != null) {
                            var text = new StringBuilder(String.valueOf(e.getStatus().getDescription()));
                            for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
                                text.append(" | ").append(t.getMessage());
                            }
                            assertThat(text.toString().toLowerCase(Locale.ROOT).replace('_', ' '))
                                    .as(who + ": the TLS alert A sent").contains(alert);
                        }
                    });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(a.isAlive()).isTrue();
    }

    @Test
    void bSaysWhatIsWrongWithAsCertificateAndStaysUp() {
        var certs = Certificates.make(tmp.resolve("certs"));
        int port = ProcessFixture.freePort();
        // Each case is met by a couple of calls; the breaker's rule for an unreachable A would answer
        // circuit_open after enough of them, which is not what this test reads.
        var b = processes.serviceBCalling("static://127.0.0.1:" + port, certs.serviceB("mutual-tls"))
                .awaitReady();
        var cases = new String[][] {
                {"untrusted", "untrusted: A's certificate is not signed by a CA B trusts", tmp.resolve("other-ca").toString(), "new CA"},
                {"expired", "expired: A's certificate has expired", tmp.resolve("expired").toString(), "--days=-1"},
                {"name mismatch", "name mismatch: A's certificate does not name the host B called", tmp.resolve("misnamed").toString(), "--a-names=other.example"},
        };
        for (String[] row : cases) {
            Path dir = Path.of(row[2]);
            Certificates bad = switch (row[3]) {
                case "new CA" -> Certificates.make(dir);
                case "--days=-1" -> certs.sign(dir, "--days", "-1");
                default -> certs.sign(dir, "--a-names", "other.example");
            };
            var a = processes.serviceAOnPort(port, bad.serviceAMutualTls()).awaitReady();
            var answer = new AtomicReference<Http.Answer>();
            await(row[0] + ": B's answer names it").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300))
                    .until(() -> {
                        answer.set(b.callEcho("x"));
                        return answer.get().body().contains(row[1]);
                    });
            assertThat(answer.get().status()).isEqualTo(503);
            assertThat(answer.get().body()).startsWith("{\"service_b\":\"ok\",\"service_a\":\"unavailable\",\"error\":\"service A is not reachable: TLS handshake failed, " + row[1]);
            await(row[0] + ": A's health component names it").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                    .until(() -> b.management("/actuator/health").body().contains("\"tls\":\"" + row[1]));
            var health = b.management("/actuator/health");
            assertThat(health.status()).as("B itself stays UP").isEqualTo(200);
            assertThat(health.body()).startsWith("{\"status\":\"UP\"");
            System.out.printf("TLS-MATRIX | A's certificate %s | B: %d %s%n", row[0], answer.get().status(), answer.get().body());
            a.close();
        }
        // And B presenting no certificate to an A that requires one (B in mode tls, A in mutual-tls).
        var a = processes.serviceAOnPort(port, certs.serviceAMutualTls()).awaitReady();
        b.restartWith(certs.serviceB("tls")).awaitReady();
        var answer = new AtomicReference<Http.Answer>();
        await("A refuses B without a certificate").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    answer.set(b.callEcho("x"));
                    return answer.get().body().contains("refused: A refused B's certificate, or B sent none");
                });
        assertThat(answer.get().status()).isEqualTo(503);
        System.out.printf("TLS-MATRIX | B without a certificate, A requires one | B: %d %s%n", answer.get().status(), answer.get().body());
        assertThat(a.isAlive()).isTrue();
    }

    @Test
    void certificatesReplacedOnDiskAreUsedWithoutARestartAndWithoutALostCall() throws InterruptedException {
        var certs = Certificates.make(tmp.resolve("certs"));
        var a = processes.serviceA(certs.serviceAMutualTls()).awaitReady();
        var b = processes.serviceB(a, certs.serviceB("mutual-tls")).awaitReady();
        BigInteger before = certificateAPresents(a, certs);
        long bReloads = b.countLogLines("SSL bundle 'servicea' in use");

        try (var load = Load.atFixedRate(b.callEchoUrl("rotation"), 100)) {
            // The swap is measured from a steady state: what a cold B does under load is HealthyPeerIT's.
            await("100 answers 200 in a row").atMost(Duration.ofSeconds(60)).until(() -> {
                var results = load.results();
                return results.size() >= 100
                        && results.subList(results.size() - 100, results.size()).stream().allMatch(r -> r.status() == 200);
            });
            long swapped = System.nanoTime();
            certs.sign(certs.dir(), "--force"); // new certificates for A and B, the same CA, replaced in place
            await("A presents its new certificate to a new connection").atMost(ROTATION_BOUND)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !certificateAPresents(a, certs).equals(before));
            Duration aTook = Duration.ofNanos(System.nanoTime() - swapped);
            await("B reloads its bundle").atMost(ROTATION_BOUND)
                    .until(() -> b.countLogLines("SSL bundle 'servicea' in use") > bReloads);
            long afterSwap = load.count(200);
            await().atMost(Duration.ofSeconds(30)).until(() -> load.count(200) >= afterSwap + 200);
            load.close();
            var duringSwap = load.sentAfter(swapped);
            assertThat(Outcomes.countByReason(duringSwap)).as("every answer to a call sent from the swap on").containsOnlyKeys("ok");
            System.out.printf("TLS-MATRIX | certificates replaced under 100 calls/s | %d answers from the swap on, all 200;"
                    + " A's new certificate on a new connection after %d ms%n", duringSwap.size(), aTook.toMillis());
        }
        assertThat(a.isAlive()).isTrue();
    }

    /** The serial number of the certificate A presents to a new connection. */
    private static BigInteger certificateAPresents(ServiceProcess a, Certificates certs) throws InterruptedException {
        var session = new AtomicReference<SSLSession>();
        ClientInterceptor capture = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, io.grpc.Metadata headers) {
                        super.start(new io.grpc.ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                            @Override
                            public void onHeaders(io.grpc.Metadata responseHeaders) {
                                session.set(getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
                                super.onHeaders(responseHeaders);
                            }
                        }, headers);
                    }
                };
            }
        };
        try (var peer = new GrpcPeer(a.grpcPort(), certs.client(certs))) {
            ServiceAGrpc.newBlockingStub(ClientInterceptors.intercept(peer.channel(), capture))
                    .withDeadlineAfter(5, java.util.concurrent.TimeUnit.SECONDS)
                    .healthCheck(HealthCheckRequest.getDefaultInstance());
            try {
                return ((X509Certificate) session.get().getPeerCertificates()[0]).getSerialNumber();
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void eachReplicaOfAListIsCheckedAgainstItsOwnName() {
        var ca = Certificates.make(tmp.resolve("ca"));
        // One replica's certificate names only localhost, the other's only 127.0.0.1: a B that checked
        // every replica against the first host of its list would refuse the second.
        var forLocalhost = ca.sign(tmp.resolve("localhost"), "--a-names", "localhost");
        var forIp = ca.sign(tmp.resolve("ip"), "--a-names", "127.0.0.1");
        var a1 = processes.serviceA(forLocalhost.serviceAMutualTls());
        var a2 = processes.serviceA(forIp.serviceAMutualTls());
        a1.awaitReady();
        a2.awaitReady();
        var b = processes.serviceBCalling("static://localhost:" + a1.grpcPort() + ",127.0.0.1:" + a2.grpcPort(),
                ca.serviceB("mutual-tls")).awaitReady();
        long before1 = a1.countLogLines("procedure=Echo status=ok");
        long before2 = a2.countLogLines("procedure=Echo status=ok");
        for (int i = 0; i < 20; i++) {
            var answer = b.callEcho("replica " + i);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        }
        await("both replicas answered B").atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(a1.countLogLines("procedure=Echo status=ok")).as("calls answered by the replica named localhost").isGreaterThan(before1);
            assertThat(a2.countLogLines("procedure=Echo status=ok")).as("calls answered by the replica named 127.0.0.1").isGreaterThan(before2);
        });
    }

    @Test
    void aServiceWhoseCertificateFileIsMissingRefusesToStartNamingTheSettingAndTheFile() {
        Path missing = tmp.resolve("no-such-directory");
        var a = processes.serviceA("--spring.profiles.active=mutual-tls", "--service-a.grpc.tls.directory=" + missing);
        assertThat(a.waitForExit(Duration.ofSeconds(60))).isNotZero();
        // Whichever of the bundle's three files Spring Boot meets first.
        assertThat(a.log()).containsPattern("The file " + java.util.regex.Pattern.quote(missing.toString())
                + "/(tls\\.crt|tls\\.key|ca\\.crt), named by spring\\.ssl\\.bundle\\.pem\\.grpc\\.(keystore|truststore)\\.");
        var b = processes.serviceBCalling("static://127.0.0.1:1", "--spring.profiles.active=mutual-tls",
                "--service-b.service-a.tls.directory=" + missing);
        assertThat(b.waitForExit(Duration.ofSeconds(60))).isNotZero();
        assertThat(b.log()).containsPattern("The file " + java.util.regex.Pattern.quote(missing.toString())
                + "/(tls\\.crt|tls\\.key|ca\\.crt), named by spring\\.ssl\\.bundle\\.pem\\.servicea\\.(keystore|truststore)\\.");
    }
}
