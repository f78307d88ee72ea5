package dev.lab1.serviceb.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lab1.fakea.BAgainstFakeA;
import dev.lab1.fakea.FakeServiceA;
import dev.lab1.serviceb.Http;
import dev.lab1.serviceb.servicea.Outcome;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Every gRPC status A can end a call with, through the real B: the HTTP status and body the
 * client gets, the outcome counted, how the breaker recorded it, and the log line (gRPC's own text
 * in {@code detail=}, never in the answer). The expected values are {@link Outcome}'s rows.
 */
@BAgainstFakeA
class OutcomeTableEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;
    @Autowired
    FakeServiceA fakeA;
    @Autowired
    CircuitBreakerRegistry breakers;
    @Autowired
    MeterRegistry meters;

    @ParameterizedTest
    @EnumSource(value = Status.Code.class, mode = EnumSource.Mode.EXCLUDE, names = "OK")
    void aStatusFromAIsAnsweredAsItsRowSays(Status.Code code, CapturedOutput output) throws Exception {
        Outcome row = Outcome.forStatus(code);
        // The client reads the 300 ms time limit in a timeout's message, the status code in the others.
        String message = row.message(code == Status.Code.DEADLINE_EXCEEDED ? (Object) 300L : code);
        CircuitBreaker breaker = ClosedBreaker.of(breakers);
        fakeA.reset();
        fakeA.failWith(Status.fromCode(code).withDescription("internal detail at 10.1.2.3"));
        double countedBefore = counted(row.label());

        var response = new Http(port).get("/call-echo?msg=x");

        assertThat(response.statusCode()).isEqualTo(row.httpStatus().value());
        var body = JSON.readTree(response.body());
        assertThat(body.get("service_a").asText()).isEqualTo(row.label());
        assertThat(body.get("error").asText()).isEqualTo(message).doesNotContain("10.1.2.3");
        assertThat(counted(row.label())).isEqualTo(countedBefore + 1);
        // A status A sends back at once is fast: only FAILURE rows are failures; nothing here is slow.
        boolean failure = row.againstA() == Outcome.AgainstA.FAILURE;
        assertThat(breaker.getMetrics().getNumberOfFailedCalls()).isEqualTo(failure ? 1 : 0);
        assertThat(breaker.getMetrics().getNumberOfSuccessfulCalls()).isEqualTo(failure ? 0 : 1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(output).contains(
                "http=" + row.httpStatus().value() + " reason=" + row.label(),
                "detail=\"" + code + ": internal detail at 10.1.2.3\""));
    }

    private double counted(String label) {
        return meters.get("call.echo.outcomes").tag("reason", label).counter().count();
    }
}
