package dev.lab1.serviceb.errors;

import dev.lab1.serviceb.call.CallEchoOutcomes;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * B's error page, in place of Spring Boot's: every error that reaches the servlet container (an
 * unknown path or method, a malformed query Jetty refuses while Spring reads the parameters, ...)
 * is answered as {@code {"error":…,"status":…}}, whatever the request's {@code Accept} (no HTML
 * Whitelabel page, no 406). A 4xx of {@code /call-echo} also counts as its bad_request.
 * {@code callEcho} is null on the management port, which has no {@code /call-echo} to count for
 * ({@link ManagementPortErrors}).
 */
@RestController
class JsonErrorController implements ErrorController {

    private final CallEchoOutcomes callEcho;

    JsonErrorController(CallEchoOutcomes callEcho) {
        this.callEcho = callEcho;
    }

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<byte[]> error(HttpServletRequest request) {
        // Asked for directly, /error is just a path that does not exist.
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 404;
        String error = ErrorBody.message(status);
        if (callEcho != null && status >= 400 && status < 500
                && CallEchoOutcomes.PATH.equals(request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI))) {
            callEcho.rejected(status, error, beginNanos(request));
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(ErrorBody.json(status, error));
    }

    /** When Jetty began reading the request, for the latency in the log line. */
    static long beginNanos(HttpServletRequest request) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(request);
        return jetty != null ? jetty.getBeginNanoTime() : System.nanoTime();
    }
}
