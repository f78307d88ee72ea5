package dev.lab1.serviceb.call;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /call-echo?msg=...}: asks A to echo {@code msg} and nests A's answer in B's own, as
 * the original did. Every outcome is one log line, one tick of {@code call_echo_outcomes_total},
 * and a JSON answer whose status says what happened (see {@link Reason}).
 */
@RestController
class CallEchoController {

    private static final Logger log = LoggerFactory.getLogger(CallEchoController.class);

    /** The response header that hands the client the trace id of its request (the same as in both services' logs). */
    static final String TRACE_ID_HEADER = "X-Trace-Id";

    private final ServiceAClient serviceA;
    private final Tracer tracer;
    private final int maxMessageLength;
    private final Map<Reason, Counter> outcomes = new EnumMap<>(Reason.class);
    private final ObjectWriter answers;
    private final ObjectWriter badRequests;

    CallEchoController(ServiceAClient serviceA, Tracer tracer, CallEchoProperties properties, MeterRegistry meters,
                       ObjectMapper json) {
        this.serviceA = serviceA;
        this.tracer = tracer;
        // Bodies are serialised here, once per answer, with writers built once: Spring's generic
        // message-converter path (negotiation, a writer per request) cost more than the call's logic.
        this.answers = json.writerFor(Answer.class);
        this.badRequests = json.writerFor(BadRequest.class);
        this.maxMessageLength = properties.maxMessageLength();
        for (Reason reason : Reason.values()) {
            outcomes.put(reason, Counter.builder("call.echo.outcomes")
                    .description("Answers of /call-echo, by reason")
                    .tag("reason", reason.label())
                    .register(meters));
        }
    }

    @GetMapping(path = "/call-echo", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<byte[]> callEcho(@RequestParam(required = false) String msg) throws JsonProcessingException {
        long start = System.nanoTime();
        String invalid = validate(msg);
        CallResult result = invalid != null ? CallResult.failed(Reason.BAD_REQUEST, invalid) : serviceA.echo(msg);
        outcomes.get(result.reason()).increment();
        TraceContext trace = tracer.currentTraceContext().context();
        logCall(result, start, trace);
        return answer(result, trace);
    }

    private String validate(String msg) {
        if (msg == null) {
            return "query parameter 'msg' is required";
        }
        // length() counts UTF-16 units, never fewer than code points: the exact count only when close.
        if (msg.length() > maxMessageLength && msg.codePointCount(0, msg.length()) > maxMessageLength) {
            return "query parameter 'msg' is longer than " + maxMessageLength + " characters";
        }
        return null;
    }

    private ResponseEntity<byte[]> answer(CallResult result, TraceContext trace) throws JsonProcessingException {
        Reason reason = result.reason();
        var response = ResponseEntity.status(reason.httpStatus()).contentType(MediaType.APPLICATION_JSON);
        if (trace != null) {
            response.header(TRACE_ID_HEADER, trace.traceId());
        }
        if (reason == Reason.CIRCUIT_OPEN) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, result.retryAfter().toSeconds())));
        }
        return response.body(switch (reason) {
            case OK -> answers.writeValueAsBytes(new Answer(result.echo(), null));
            case BAD_REQUEST -> badRequests.writeValueAsBytes(new BadRequest(result.error()));
            default -> answers.writeValueAsBytes(new Answer(reason.label(), result.error()));
        });
    }

    private static void logCall(CallResult result, long startNanos, TraceContext trace) {
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        String traceIds = trace == null ? "" : " trace_id=" + trace.traceId() + " span_id=" + trace.spanId();
        Reason reason = result.reason();
        if (reason == Reason.OK) {
            log.info("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms={}{}", latencyMs, traceIds);
        } else {
            // msg is never logged; texts that are not B's own are quoted, so nothing can split the line.
            log.info("service=B endpoint=/call-echo status=error http={} reason={} error={} latency_ms={}{}{}",
                    reason.httpStatus().value(), reason.label(), LogValue.quote(result.error()), latencyMs, traceIds,
                    result.detail() == null ? "" : " detail=" + LogValue.quote(result.detail()));
        }
    }

    /** B's answer, in the original's shape: {@code service_a} is A's JSON, or the failure reason. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"service_b", "service_a", "error"})
    record Answer(@JsonProperty("service_a") Object serviceA, String error) {
        @JsonProperty("service_b")
        String serviceB() {
            return "ok";
        }
    }

    record BadRequest(String error) {
    }
}
