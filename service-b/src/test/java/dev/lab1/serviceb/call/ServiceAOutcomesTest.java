package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeoutException;

import dev.lab1.serviceb.call.ServiceAOutcomes.AgainstA;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The outcome table, row by row: every gRPC status code A can end a call with. */
class ServiceAOutcomesTest {

    private static final Duration LIMIT = Duration.ofSeconds(1);
    private final ServiceAFailure countsAsFailure = new ServiceAFailure();

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            OK                  | OK          | 200 | NO      |
            CANCELLED           | UNAVAILABLE | 503 | FAILURE | service A is not reachable
            UNKNOWN             | ERROR       | 502 | FAILURE | service A answered with status UNKNOWN
            INVALID_ARGUMENT    | ERROR       | 502 | NO      | service A answered with status INVALID_ARGUMENT
            DEADLINE_EXCEEDED   | TIMEOUT     | 504 | SLOW    | service A did not answer within 1000 ms
            NOT_FOUND           | ERROR       | 502 | NO      | service A answered with status NOT_FOUND
            ALREADY_EXISTS      | ERROR       | 502 | NO      | service A answered with status ALREADY_EXISTS
            PERMISSION_DENIED   | ERROR       | 502 | NO      | service A answered with status PERMISSION_DENIED
            RESOURCE_EXHAUSTED  | BUSY        | 503 | NO      | service A is overloaded
            FAILED_PRECONDITION | ERROR       | 502 | NO      | service A answered with status FAILED_PRECONDITION
            ABORTED             | ERROR       | 502 | NO      | service A answered with status ABORTED
            OUT_OF_RANGE        | ERROR       | 502 | NO      | service A answered with status OUT_OF_RANGE
            UNIMPLEMENTED       | ERROR       | 502 | FAILURE | service A answered with status UNIMPLEMENTED
            INTERNAL            | ERROR       | 502 | FAILURE | service A answered with status INTERNAL
            UNAVAILABLE         | UNAVAILABLE | 503 | FAILURE | service A is not reachable
            DATA_LOSS           | ERROR       | 502 | FAILURE | service A answered with status DATA_LOSS
            UNAUTHENTICATED     | ERROR       | 502 | NO      | service A answered with status UNAUTHENTICATED
            """)
    void everyStatusHasOneRow(Status.Code code, Reason reason, int httpStatus, AgainstA againstA, String message) {
        var outcome = ServiceAOutcomes.forStatus(code, LIMIT);

        assertThat(outcome.reason()).isEqualTo(reason);
        assertThat(outcome.reason().httpStatus().value()).isEqualTo(httpStatus);
        assertThat(outcome.againstA()).isEqualTo(againstA);
        assertThat(outcome.message()).isEqualTo(message);
        // The breaker's predicate reads the same row: only FAILURE is recorded as a failure.
        assertThat(countsAsFailure.test(Status.fromCode(code).asRuntimeException())).isEqualTo(againstA == AgainstA.FAILURE);
        assertThat(countsAsFailure.test(Status.fromCode(code).asException())).isEqualTo(againstA == AgainstA.FAILURE);
    }

    @Test
    void theRowsAboveAreEveryStatusCode() {
        // Guards the CSV above against a code added to grpc-java (the switch itself fails to compile then).
        Set<Status.Code> listed = EnumSet.noneOf(Status.Code.class);
        for (Status.Code code : Status.Code.values()) {
            listed.add(code);
            assertThat(ServiceAOutcomes.forStatus(code, LIMIT)).isNotNull();
        }
        assertThat(listed).hasSize(17);
    }

    @ParameterizedTest
    @EnumSource(Status.Code.class)
    void theClientNeverReadsGrpcsOwnText(Status.Code code) {
        var outcome = ServiceAOutcomes.forStatus(code, LIMIT);

        if (code != Status.Code.OK) {
            assertThat(outcome.message()).startsWith("service A ").doesNotContain("io exception", "10.");
        }
    }

    @Test
    void anythingThatIsNotAGrpcAnswerIsAFailureOfA() {
        assertThat(countsAsFailure.test(new TimeoutException())).isTrue();
        assertThat(countsAsFailure.test(new IllegalStateException("reply is not a JSON object"))).isTrue();
        assertThat(countsAsFailure.test(new OutOfMemoryError())).isTrue();
        assertThat(ServiceAOutcomes.NOT_THE_CONTRACTS_REPLY.againstA()).isEqualTo(AgainstA.FAILURE);
        assertThat(ServiceAOutcomes.NOT_THE_CONTRACTS_REPLY.reason()).isEqualTo(Reason.ERROR);
    }

    @Test
    void outcomesWithoutACallToANeverCountAgainstIt() {
        assertThat(ServiceAOutcomes.CIRCUIT_OPEN.againstA()).isEqualTo(AgainstA.NO);
        assertThat(ServiceAOutcomes.CIRCUIT_OPEN.reason().httpStatus().value()).isEqualTo(503);
        assertThat(ServiceAOutcomes.bulkheadFull(64).reason()).isEqualTo(Reason.BUSY);
        assertThat(ServiceAOutcomes.bulkheadFull(64).message()).isEqualTo("too many calls to service A in flight (limit 64)");
    }

    @Test
    void aStatusMadeFromALocalBugIsBsOwnFailureNotAnAnswerOfA() {
        // The issue-22 status: grpc-java's own NullPointerException, turned into UNKNOWN in B's channel.
        Status local = Status.UNKNOWN.withCause(new NullPointerException("EndpointTracker is null"));

        assertThat(ServiceAOutcomes.isLocalFailure(local)).isTrue();
        assertThat(ServiceAOutcomes.againstA(local.asRuntimeException())).isEqualTo(AgainstA.NOT_RECORDED);
        assertThat(countsAsFailure.test(local.asRuntimeException())).isFalse();
        assertThat(ServiceAOutcomes.isLocalFailure(Status.INTERNAL.withCause(new StackOverflowError()))).isTrue();
    }

    @Test
    void aStatusFromTheWireOrTheConnectionIsStillAboutA() {
        // From the wire: never a cause.
        assertThat(ServiceAOutcomes.isLocalFailure(Status.UNKNOWN.withDescription("NullPointerException in A"))).isFalse();
        assertThat(countsAsFailure.test(Status.UNKNOWN.asRuntimeException())).isTrue();
        // The connection: checked I/O exceptions, and Netty decoding what A (or the network) sent.
        assertThat(ServiceAOutcomes.isLocalFailure(Status.UNAVAILABLE.withCause(new java.net.ConnectException("refused")))).isFalse();
        assertThat(ServiceAOutcomes.isLocalFailure(Status.UNKNOWN.withCause(new java.nio.channels.ClosedChannelException()))).isFalse();
        assertThat(ServiceAOutcomes.isLocalFailure(Status.INTERNAL.withCause(
                new io.grpc.netty.shaded.io.netty.handler.codec.DecoderException("bad frame")))).isFalse();
        assertThat(countsAsFailure.test(Status.UNAVAILABLE.withCause(new java.io.IOException("reset")).asRuntimeException())).isTrue();
    }

    @Test
    void bsOwnFailureHasItsOwnRow() {
        assertThat(ServiceAOutcomes.INTERNAL_ERROR.reason()).isEqualTo(Reason.INTERNAL_ERROR);
        assertThat(ServiceAOutcomes.INTERNAL_ERROR.againstA()).isEqualTo(AgainstA.NOT_RECORDED);
        assertThat(Reason.INTERNAL_ERROR.label()).isEqualTo("internal_error");
        assertThat(Reason.INTERNAL_ERROR.httpStatus().value()).isEqualTo(500);
        assertThat(ServiceAOutcomes.INTERNAL_ERROR.message()).contains("service B").contains("not an answer of service A");
    }

    @Test
    void reasonsHaveTheDocumentedLabels() {
        assertThat(Reason.CIRCUIT_OPEN.label()).isEqualTo("circuit_open");
        assertThat(Reason.BAD_REQUEST.label()).isEqualTo("bad_request");
        assertThat(Reason.BAD_REQUEST.httpStatus().value()).isEqualTo(400);
    }
}
