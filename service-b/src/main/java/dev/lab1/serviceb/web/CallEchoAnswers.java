package dev.lab1.serviceb.web;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.lab1.serviceb.servicea.Outcome;
import dev.lab1.serviceb.servicea.ServiceAClient.CallResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * Every answer of {@code /call-echo}, whoever gives it (the controller, B's error page, the web
 * server refusing a malformed request), is written, counted ({@code call_echo_outcomes_total}) and
 * logged (one line) here, and only here. Answers about A are the original's shape,
 * {@code {"service_b":"ok","service_a":…,"error":…}}; a refused request (any 4xx) is B's one error
 * shape, {@code {"error":…,"status":…}}, as on every other path ({@link JsonErrors}).
 */
@Component
public class CallEchoAnswers {

    public static final String PATH = "/call-echo";
    /** The response header that hands the client the trace id of its request (the same as in both services' logs). */
    static final String TRACE_ID_HEADER = "X-Trace-Id";

    private static final Logger log = LoggerFactory.getLogger(CallEchoAnswers.class);

    private final Map<String, Counter> counters = new HashMap<>();
    private final Tracer tracer;
    /** Built once: Spring's generic message-converter path (negotiation, a writer per request) cost more than the call's logic. */
    private final ObjectWriter answers;

    CallEchoAnswers(MeterRegistry meters, Tracer tracer, ObjectMapper json) {
        this.tracer = tracer;
        this.answers = json.writerFor(Answer.class);
        for (String label : Outcome.labels()) {
            counters.put(label, Counter.builder("call.echo.outcomes")
                    .description("Answers of /call-echo, by reason")
                    .tag("reason", label)
                    .register(meters));
        }
    }

    /** The answer to a request the controller took: its status and body follow the outcome. */
    ResponseEntity<byte[]> answer(CallResult result, long startNanos) throws JsonProcessingException {
        Outcome outcome = result.outcome();
        TraceContext trace = currentTrace();
        record(result, outcome.httpStatus().value(), startNanos, trace);
        var response = ResponseEntity.status(outcome.httpStatus()).contentType(MediaType.APPLICATION_JSON);
        if (trace != null) {
            response.header(TRACE_ID_HEADER, trace.traceId());
        }
        if (outcome == Outcome.CIRCUIT_OPEN) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(result.retryAfter().toSeconds()));
        }
        return response.body(switch (outcome) {
            case OK -> answers.writeValueAsBytes(new Answer(result.echo(), null));
            case BAD_REQUEST -> JsonErrors.body(outcome.httpStatus().value(), result.error());
            default -> answers.writeValueAsBytes(new Answer(outcome.label(), result.error()));
        });
    }

    /**
     * A request of /call-echo refused with {@code httpStatus} (a 4xx) before or instead of the
     * controller (bad method, malformed query, too large): counted and logged as bad_request. Returns
     * its body.
     */
    byte[] refused(int httpStatus, String error, long startNanos) {
        record(CallResult.badRequest(error), httpStatus, startNanos, currentTrace());
        return JsonErrors.body(httpStatus, error);
    }

    private TraceContext currentTrace() {
        return tracer.currentTraceContext().context();
    }

    private void record(CallResult result, int httpStatus, long startNanos, TraceContext trace) {
        Outcome outcome = result.outcome();
        counters.get(outcome.label()).increment();
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        String traceIds = trace == null ? "" : " trace_id=" + trace.traceId() + " span_id=" + trace.spanId();
        if (outcome == Outcome.OK) {
            log.info("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms={}{}", latencyMs, traceIds);
        } else {
            // msg is never logged; texts that are not B's own are quoted, so nothing can split the line.
            log.info("service=B endpoint=/call-echo status=error http={} reason={} error={} latency_ms={}{}{}",
                    httpStatus, outcome.label(), quote(result.error()), latencyMs, traceIds,
                    result.detail() == null ? "" : " detail=" + quote(result.detail()));
        }
    }

    /** A value for a key=value log line: quoted, with anything that could end or forge a line escaped. */
    static String quote(String text) {
        var out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** B's answer about A, in the original's shape: {@code service_a} is A's JSON, or the failure reason. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"service_b", "service_a", "error"})
    record Answer(@JsonProperty("service_a") Object serviceA, String error) {
        @JsonProperty("service_b")
        String serviceB() {
            return "ok";
        }
    }
}
