package dev.lab1.serviceb.call;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one call to A came to.
 *
 * @param reason     the outcome
 * @param echo       A's answer, parsed (only when {@code reason} is OK)
 * @param error      a readable explanation for the client (never gRPC's internal debug text)
 * @param retryAfter when calling again makes sense (only when the breaker is open)
 * @param detail     what went wrong in gRPC's words, for B's log only (it may name addresses)
 */
record CallResult(Reason reason, JsonNode echo, String error, Duration retryAfter, String detail) {

    static CallResult ok(JsonNode echo) {
        return new CallResult(Reason.OK, echo, null, null, null);
    }

    static CallResult of(ServiceAOutcomes.Outcome outcome, String detail) {
        return new CallResult(outcome.reason(), null, outcome.message(), null, detail);
    }

    static CallResult badRequest(String error) {
        return new CallResult(Reason.BAD_REQUEST, null, error, null, null);
    }

    static CallResult circuitOpen(Duration retryAfter) {
        return new CallResult(Reason.CIRCUIT_OPEN, null, ServiceAOutcomes.CIRCUIT_OPEN.message(), retryAfter, null);
    }
}
