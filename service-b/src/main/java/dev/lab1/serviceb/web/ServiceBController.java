package dev.lab1.serviceb.web;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.lab1.serviceb.ServiceBProperties;
import dev.lab1.serviceb.servicea.ServiceAClient;
import dev.lab1.serviceb.servicea.ServiceAClient.CallResult;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * B's two endpoints, the original's: {@code GET /health} (B is up; it never depends on A) and
 * {@code GET /call-echo?msg=...} (asks A to echo {@code msg} and nests A's answer in B's own). Every
 * {@code /call-echo} answer is written, counted and logged by {@link CallEchoAnswers}. Both answer
 * JSON whatever the request's {@code Accept} (no negotiation, never a 406).
 */
@RestController
class ServiceBController {

    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    private final int maxMessageLength;
    private final ServiceAClient serviceA;
    private final CallEchoAnswers answers;

    ServiceBController(ServiceBProperties properties, ServiceAClient serviceA, CallEchoAnswers answers) {
        this.maxMessageLength = properties.callEcho().maxMessageLength();
        this.serviceA = serviceA;
        this.answers = answers;
    }

    @GetMapping("/health")
    ResponseEntity<byte[]> health() {
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(HEALTHY);
    }

    @GetMapping(CallEchoAnswers.PATH)
    ResponseEntity<byte[]> callEcho(HttpServletRequest request) throws JsonProcessingException {
        long start = System.nanoTime();
        String[] msg = request.getParameterValues("msg");
        String invalid = validate(msg);
        return answers.answer(invalid != null ? CallResult.badRequest(invalid) : serviceA.echo(msg[0]), start);
    }

    /**
     * Spring would answer HEAD with the GET handler, calling A for an answer nobody reads: HEAD is
     * refused instead (and counted, as every 4xx of /call-echo).
     */
    @RequestMapping(path = CallEchoAnswers.PATH, method = RequestMethod.HEAD)
    ResponseEntity<byte[]> head() {
        long start = System.nanoTime();
        byte[] body = answers.refused(HttpStatus.METHOD_NOT_ALLOWED.value(),
                "HEAD is not supported: use GET /call-echo?msg=...", start);
        return ResponseEntity.status(HttpStatus.METHOD_NOT_ALLOWED).allow(HttpMethod.GET)
                .contentType(MediaType.APPLICATION_JSON).body(body);
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
}
