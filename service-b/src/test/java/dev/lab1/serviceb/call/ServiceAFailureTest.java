package dev.lab1.serviceb.call;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeoutException;

import io.grpc.Status;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ServiceAFailureTest {

    private final ServiceAFailure countsAsFailure = new ServiceAFailure();

    @ParameterizedTest
    @CsvSource({
            "UNAVAILABLE, true, UNAVAILABLE",
            "DEADLINE_EXCEEDED, true, TIMEOUT",
            "CANCELLED, true, UNAVAILABLE",
            "INTERNAL, true, ERROR",
            "UNKNOWN, true, ERROR",
            "RESOURCE_EXHAUSTED, true, BUSY",
            "INVALID_ARGUMENT, false, ERROR",
            "NOT_FOUND, false, ERROR",
            "ALREADY_EXISTS, false, ERROR",
            "FAILED_PRECONDITION, false, ERROR",
            "OUT_OF_RANGE, false, ERROR",
            "PERMISSION_DENIED, false, ERROR"})
    void aStatusIsAFailureOfAOrAnAnswerAndMapsToOneReason(Status.Code code, boolean failureOfA, Reason reason) {
        assertThat(countsAsFailure.test(Status.fromCode(code).asRuntimeException())).isEqualTo(failureOfA);
        assertThat(countsAsFailure.test(Status.fromCode(code).asException())).isEqualTo(failureOfA);
        assertThat(Reason.forStatus(code)).isEqualTo(reason);
    }

    @Test
    void anythingElseIsAFailureOfA() {
        assertThat(countsAsFailure.test(new TimeoutException())).isTrue();
        assertThat(countsAsFailure.test(new IllegalStateException("reply is not a JSON object"))).isTrue();
    }

    @Test
    void reasonsMapToTheDocumentedHttpStatusesAndLabels() {
        assertThat(Reason.OK.httpStatus().value()).isEqualTo(200);
        assertThat(Reason.UNAVAILABLE.httpStatus().value()).isEqualTo(503);
        assertThat(Reason.TIMEOUT.httpStatus().value()).isEqualTo(504);
        assertThat(Reason.CIRCUIT_OPEN.httpStatus().value()).isEqualTo(503);
        assertThat(Reason.CIRCUIT_OPEN.label()).isEqualTo("circuit_open");
        assertThat(Reason.BUSY.httpStatus().value()).isEqualTo(503);
        assertThat(Reason.ERROR.httpStatus().value()).isEqualTo(502);
        assertThat(Reason.BAD_REQUEST.httpStatus().value()).isEqualTo(400);
    }
}
