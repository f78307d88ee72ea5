package dev.lab1.serviceb.call;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.micrometer.tracing.TraceContext;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /call-echo?msg=...}: asks A to echo {@code msg} and nests A's answer in B's own, as
 * the original did. Every outcome is one log line, one tick of {@code call_echo_outcomes_total}
 * (both in {@link CallEchoOutcomes}), and a JSON answer whose status says what happened (see
 * {@link Reason}). The answer is JSON whatever the request's {@code Accept}: its content type is
 * set here, so Spring does no negotiation (and never answers 406).
 */
@RestController
class CallEchoController {

    /** The response header that hands the client the trace id of its request (the same as in both services' logs). */
    static final String TRACE_ID_HEADER = "X-Trace-Id";

    private final ServiceAClient serviceA;
    private final CallEchoOutcomes outcomes;
    private final int maxMessageLength;
    private final ObjectWriter answers;
    private final ObjectWriter badRequests;

    CallEchoController(ServiceAClient serviceA, CallEchoOutcomes outcomes, CallEchoProperties properties, ObjectMapper json) {
        this.serviceA = serviceA;
        this.outcomes = outcomes;
        // Bodies are serialised here, once per answer, with writers built once: Spring's generic
        // message-converter path (negotiation, a writer per request) cost more than the call's logic.
        this.answers = json.writerFor(Answer.class);
        this.badRequests = json.writerFor(BadRequest.class);
        this.maxMessageLength = properties.maxMessageLength();
    }

    @GetMapping(CallEchoOutcomes.PATH)
    ResponseEntity<byte[]> callEcho(HttpServletRequest request) throws JsonProcessingException {
        long start = System.nanoTime();
        String[] msg = request.getParameterValues("msg");
        String invalid = validate(msg);
        CallResult result = invalid != null ? CallResult.badRequest(invalid) : serviceA.echo(msg[0]);
        TraceContext trace = outcomes.currentTrace();
        outcomes.record(result, result.reason().httpStatus().value(), start, trace);
        return answer(result, trace);
    }

    /**
     * Spring would answer HEAD with the GET handler, calling A for an answer nobody reads: HEAD is
     * refused instead (and counted, as every 4xx of /call-echo).
     */
    @RequestMapping(path = CallEchoOutcomes.PATH, method = RequestMethod.HEAD)
    ResponseEntity<byte[]> head() throws JsonProcessingException {
        long start = System.nanoTime();
        CallResult result = CallResult.badRequest("HEAD is not supported: use GET /call-echo?msg=...");
        outcomes.record(result, HttpStatus.METHOD_NOT_ALLOWED.value(), start, outcomes.currentTrace());
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).allow(org.springframework.http.HttpMethod.GET)
                .contentType(MediaType.APPLICATION_JSON).body(badRequests.writeValueAsBytes(new BadRequest(result.error())));
    }

    private String validate(String[] msg) {
        if (msg == null) {
            return "query parameter 'msg' is required";
        }
        if (msg.length > 1) {
            return "query parameter 'msg' must be given once, not " + msg.length + " times";
        }
        // length() counts UTF-16 units, never fewer than code points: the exact count only when close.
        if (msg[0].length() > maxMessageLength && msg[0].codePointCount(0, msg[0].length()) > maxMessageLength) {
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
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(result.retryAfter().toSeconds()));
        }
        return response.body(switch (reason) {
            case OK -> answers.writeValueAsBytes(new Answer(result.echo(), null));
            case BAD_REQUEST -> badRequests.writeValueAsBytes(new BadRequest(result.error()));
            default -> answers.writeValueAsBytes(new Answer(reason.label(), result.error()));
        });
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
