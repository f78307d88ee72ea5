package dev.lab1.serviceb.servicea;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import dev.lab1.serviceb.servicea.Outcome.AgainstA;
import io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The outcome table, row by row: every gRPC status code A can end a call with, and every outcome.
 * The expected rows are written out below, one line each; the tables are checked to hold every
 * status code and every outcome, so a row deleted or changed here, or in {@link Outcome}, fails.
 */
class OutcomeTest {

    /** The time limit B names in the timeout message (the client passes it in ms). */
    private static final long LIMIT_MS = 1000;

    private record Row(Outcome outcome, String label, int httpStatus, AgainstA againstA, String message) {
    }

    /** Every status code A can end a call with: its outcome, label, HTTP status, how it counts, what the client reads. */
    private static final Map<Status.Code, Row> STATUS_TABLE = statusTable();

    private static Map<Status.Code, Row> statusTable() {
        var table = new EnumMap<Status.Code, Row>(Status.Code.class);
        table.put(Status.Code.OK, new Row(Outcome.OK, "ok", 200, AgainstA.NO, null));
        table.put(Status.Code.CANCELLED, new Row(Outcome.UNAVAILABLE, "unavailable", 503, AgainstA.FAILURE,
                "service A is not reachable"));
        table.put(Status.Code.UNKNOWN, new Row(Outcome.A_BROKEN, "error", 502, AgainstA.FAILURE,
                "service A answered with status UNKNOWN"));
        table.put(Status.Code.INVALID_ARGUMENT, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status INVALID_ARGUMENT"));
        table.put(Status.Code.DEADLINE_EXCEEDED, new Row(Outcome.TIMEOUT, "timeout", 504, AgainstA.SLOW,
                "service A did not answer within 1000 ms"));
        table.put(Status.Code.NOT_FOUND, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status NOT_FOUND"));
        table.put(Status.Code.ALREADY_EXISTS, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status ALREADY_EXISTS"));
        table.put(Status.Code.PERMISSION_DENIED, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status PERMISSION_DENIED"));
        table.put(Status.Code.RESOURCE_EXHAUSTED, new Row(Outcome.A_OVERLOADED, "busy", 503, AgainstA.NO,
                "service A is overloaded"));
        table.put(Status.Code.FAILED_PRECONDITION, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status FAILED_PRECONDITION"));
        table.put(Status.Code.ABORTED, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status ABORTED"));
        table.put(Status.Code.OUT_OF_RANGE, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status OUT_OF_RANGE"));
        table.put(Status.Code.UNIMPLEMENTED, new Row(Outcome.A_BROKEN, "error", 502, AgainstA.FAILURE,
                "service A answered with status UNIMPLEMENTED"));
        table.put(Status.Code.INTERNAL, new Row(Outcome.A_BROKEN, "error", 502, AgainstA.FAILURE,
                "service A answered with status INTERNAL"));
        table.put(Status.Code.UNAVAILABLE, new Row(Outcome.UNAVAILABLE, "unavailable", 503, AgainstA.FAILURE,
                "service A is not reachable"));
        table.put(Status.Code.DATA_LOSS, new Row(Outcome.A_BROKEN, "error", 502, AgainstA.FAILURE,
                "service A answered with status DATA_LOSS"));
        table.put(Status.Code.UNAUTHENTICATED, new Row(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO,
                "service A answered with status UNAUTHENTICATED"));
        return table;
    }

    private record OutcomeRow(Outcome outcome, String label, int httpStatus, AgainstA againstA) {
    }

    /** Every outcome, whether or not a status of A leads to it: its label, HTTP status, how it counts. */
    private static final Map<Outcome, OutcomeRow> OUTCOME_TABLE = outcomeTable();

    private static Map<Outcome, OutcomeRow> outcomeTable() {
        var table = new EnumMap<Outcome, OutcomeRow>(Outcome.class);
        for (OutcomeRow row : new OutcomeRow[] {
                new OutcomeRow(Outcome.OK, "ok", 200, AgainstA.NO),
                new OutcomeRow(Outcome.UNAVAILABLE, "unavailable", 503, AgainstA.FAILURE),
                new OutcomeRow(Outcome.TIMEOUT, "timeout", 504, AgainstA.SLOW),
                new OutcomeRow(Outcome.CIRCUIT_OPEN, "circuit_open", 503, AgainstA.NO),
                new OutcomeRow(Outcome.BULKHEAD_FULL, "busy", 503, AgainstA.NO),
                new OutcomeRow(Outcome.A_OVERLOADED, "busy", 503, AgainstA.NO),
                new OutcomeRow(Outcome.A_BROKEN, "error", 502, AgainstA.FAILURE),
                new OutcomeRow(Outcome.NOT_THE_CONTRACTS_REPLY, "error", 502, AgainstA.FAILURE),
                new OutcomeRow(Outcome.APPLICATION_ERROR, "error", 502, AgainstA.NO),
                new OutcomeRow(Outcome.INTERNAL_ERROR, "internal_error", 500, AgainstA.NOT_RECORDED),
                new OutcomeRow(Outcome.BAD_REQUEST, "bad_request", 400, AgainstA.NO)}) {
            if (table.put(row.outcome(), row) != null) {
                throw new IllegalStateException("two rows for " + row.outcome());
            }
        }
        return table;
    }

    static Stream<Arguments> statusRows() {
        return STATUS_TABLE.entrySet().stream().map(row -> Arguments.of(row.getKey(), row.getValue()));
    }

    static Stream<OutcomeRow> outcomeRows() {
        return OUTCOME_TABLE.values().stream();
    }

    @Test
    void theStatusTableHasARowForEveryStatusCode() {
        // Built from the table, not from Status.Code.values(): a row deleted above fails here.
        assertThat(STATUS_TABLE.keySet()).isEqualTo(EnumSet.allOf(Status.Code.class));
        assertThat(STATUS_TABLE).hasSize(17);
    }

    @Test
    void theOutcomeTableHasARowForEveryOutcome() {
        assertThat(OUTCOME_TABLE.keySet()).isEqualTo(EnumSet.allOf(Outcome.class));
        assertThat(OUTCOME_TABLE).hasSize(11);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statusRows")
    void everyStatusHasOneRow(Status.Code code, Row row) {
        Outcome outcome = Outcome.forStatus(code);

        assertThat(outcome).isEqualTo(row.outcome());
        assertThat(outcome.label()).isEqualTo(row.label());
        assertThat(outcome.httpStatus().value()).isEqualTo(row.httpStatus());
        assertThat(outcome.againstA()).isEqualTo(row.againstA());
        // As ServiceAClient fills it: the time limit for a timeout, the status code otherwise.
        assertThat(outcome.message(code == Status.Code.DEADLINE_EXCEEDED ? (Object) LIMIT_MS : code)).isEqualTo(row.message());
        // The status from A (no cause) counts as its row says, and the breaker's predicate reads the
        // same row: only FAILURE is recorded as a failure.
        assertThat(Outcome.againstA(Status.fromCode(code).asRuntimeException())).isEqualTo(row.againstA());
        assertThat(Outcome.againstA(Status.fromCode(code).asException())).isEqualTo(row.againstA());
        assertThat(ServiceABreaker.isFailureOfA(Status.fromCode(code).asRuntimeException())).isEqualTo(row.againstA() == AgainstA.FAILURE);
        assertThat(ServiceABreaker.isFailureOfA(Status.fromCode(code).asException())).isEqualTo(row.againstA() == AgainstA.FAILURE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("outcomeRows")
    void everyOutcomeHasItsLabelStatusAndWeight(OutcomeRow row) {
        assertThat(row.outcome().label()).isEqualTo(row.label());
        assertThat(row.outcome().httpStatus().value()).isEqualTo(row.httpStatus());
        assertThat(row.outcome().againstA()).isEqualTo(row.againstA());
    }

    @Test
    void theLabelsAreTheDocumentedReasonsOnceEach() {
        // The values of call_echo_outcomes_total{reason}: several rows share a label, each is counted once.
        assertThat(Outcome.labels()).containsExactlyInAnyOrder(
                "ok", "unavailable", "timeout", "circuit_open", "busy", "error", "internal_error", "bad_request");
        assertThat(Outcome.labels()).containsExactlyInAnyOrderElementsOf(
                OUTCOME_TABLE.values().stream().map(OutcomeRow::label).distinct().toList());
    }

    @ParameterizedTest
    @EnumSource(Status.Code.class)
    void theClientNeverReadsGrpcsOwnText(Status.Code code) {
        var outcome = Outcome.forStatus(code);

        if (code != Status.Code.OK) {
            assertThat(outcome.message(code == Status.Code.DEADLINE_EXCEEDED ? (Object) LIMIT_MS : code))
                    .startsWith("service A ").doesNotContain("io exception", "10.");
        }
    }

    @Test
    void anythingThatIsNotAGrpcAnswerIsAFailureOfA() {
        assertThat(ServiceABreaker.isFailureOfA(new TimeoutException())).isTrue();
        assertThat(ServiceABreaker.isFailureOfA(new IllegalStateException("reply is not a JSON object"))).isTrue();
        assertThat(ServiceABreaker.isFailureOfA(new OutOfMemoryError())).isTrue();
        assertThat(Outcome.NOT_THE_CONTRACTS_REPLY.againstA()).isEqualTo(AgainstA.FAILURE);
        assertThat(Outcome.NOT_THE_CONTRACTS_REPLY.label()).isEqualTo("error");
        assertThat(Outcome.NOT_THE_CONTRACTS_REPLY.message()).isEqualTo("service A sent a reply that is not a JSON object");
    }

    @Test
    void outcomesWithoutACallToANeverCountAgainstIt() {
        assertThat(Outcome.CIRCUIT_OPEN.againstA()).isEqualTo(AgainstA.NO);
        assertThat(Outcome.CIRCUIT_OPEN.httpStatus().value()).isEqualTo(503);
        assertThat(Outcome.CIRCUIT_OPEN.message())
                .isEqualTo("circuit breaker is open after repeated failures of service A; not calling it for now");
        assertThat(Outcome.BULKHEAD_FULL.againstA()).isEqualTo(AgainstA.NO);
        assertThat(Outcome.BULKHEAD_FULL.label()).isEqualTo("busy");
        assertThat(Outcome.BULKHEAD_FULL.message(64)).isEqualTo("too many calls to service A in flight (limit 64)");
        assertThat(Outcome.BAD_REQUEST.againstA()).isEqualTo(AgainstA.NO);
        assertThat(Outcome.BAD_REQUEST.message("query parameter 'msg' is required")).isEqualTo("query parameter 'msg' is required");
    }

    @Test
    void aStatusMadeFromALocalBugIsBsOwnFailureNotAnAnswerOfA() {
        // The issue-22 status: grpc-java's own NullPointerException, turned into UNKNOWN in B's channel.
        Status local = Status.UNKNOWN.withCause(new NullPointerException("EndpointTracker is null"));

        assertThat(Outcome.isLocalFailure(local)).isTrue();
        assertThat(Outcome.againstA(local.asRuntimeException())).isEqualTo(AgainstA.NOT_RECORDED);
        assertThat(ServiceABreaker.isFailureOfA(local.asRuntimeException())).isFalse();
        assertThat(Outcome.isLocalFailure(Status.INTERNAL.withCause(new StackOverflowError()))).isTrue();
    }

    @Test
    void aStatusFromTheWireOrTheConnectionIsStillAboutA() {
        // From the wire: never a cause.
        assertThat(Outcome.isLocalFailure(Status.UNKNOWN.withDescription("NullPointerException in A"))).isFalse();
        assertThat(ServiceABreaker.isFailureOfA(Status.UNKNOWN.asRuntimeException())).isTrue();
        // The connection: checked I/O exceptions, and Netty decoding what A (or the network) sent.
        assertThat(Outcome.isLocalFailure(Status.UNAVAILABLE.withCause(new java.net.ConnectException("refused")))).isFalse();
        assertThat(Outcome.isLocalFailure(Status.UNKNOWN.withCause(new java.nio.channels.ClosedChannelException()))).isFalse();
        assertThat(Outcome.isLocalFailure(Status.INTERNAL.withCause(
                new io.grpc.netty.shaded.io.netty.handler.codec.DecoderException("bad frame")))).isFalse();
        assertThat(ServiceABreaker.isFailureOfA(Status.UNAVAILABLE.withCause(new java.io.IOException("reset")).asRuntimeException())).isTrue();
    }

    @Test
    void bsOwnFailureHasItsOwnRow() {
        assertThat(Outcome.INTERNAL_ERROR.againstA()).isEqualTo(AgainstA.NOT_RECORDED);
        assertThat(Outcome.INTERNAL_ERROR.label()).isEqualTo("internal_error");
        assertThat(Outcome.INTERNAL_ERROR.httpStatus().value()).isEqualTo(500);
        assertThat(Outcome.INTERNAL_ERROR.message()).contains("service B").contains("not an answer of service A");
    }

    @Test
    void reasonsHaveTheDocumentedLabels() {
        assertThat(Outcome.CIRCUIT_OPEN.label()).isEqualTo("circuit_open");
        assertThat(Outcome.BAD_REQUEST.label()).isEqualTo("bad_request");
        assertThat(Outcome.BAD_REQUEST.httpStatus().value()).isEqualTo(400);
        assertThat(Arrays.stream(Outcome.values()).filter(o -> o.label().equals("busy")))
                .containsExactlyInAnyOrder(Outcome.BULKHEAD_FULL, Outcome.A_OVERLOADED);
    }
}
