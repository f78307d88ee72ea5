package dev.lab1.serviceb.errors;

import jakarta.servlet.Filter;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.http.ResponseEntity;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * B's JSON error answers for its management port (Actuator, {@code management.server.port}). Spring
 * Boot serves that port from a child context of its own, which gets none of the main context's
 * filters, error controller or Jetty customizers: without these, its errors would be Boot's (another
 * JSON, or an empty 406 for an HTML {@code Accept}) and TRACE would echo the request's headers.
 * Nothing here counts a {@code /call-echo} outcome: that path is not served on this port. Wired by
 * {@code dev.lab1.servicebmanagement.ManagementPortConfiguration}.
 */
public final class ManagementPortErrors {

    private ManagementPortErrors() {
    }

    /** Errors Jetty answers itself (request line or headers too large, a malformed request). */
    public static JettyServerCustomizer jsonErrorHandler() {
        return server -> server.setErrorHandler(new JsonErrorHandler(null));
    }

    /** TRACE refused with 405 and B's JSON on every path. */
    public static Filter traceRefusingFilter() {
        return new TraceRefusingFilter(null);
    }

    /**
     * The error page at {@code path} (an unknown path, a method Actuator does not take, ...). The child
     * context maps Actuator's own error endpoint to the same path and has no switch for it; a router
     * function is looked up before annotated controllers, so this one answers.
     */
    public static RouterFunction<ServerResponse> errorPage(String path) {
        JsonErrorController errors = new JsonErrorController(null);
        return RouterFunctions.route(RequestPredicates.path(path), request -> {
            ResponseEntity<byte[]> answer = errors.error(request.servletRequest());
            return ServerResponse.status(answer.getStatusCode()).headers(headers -> headers.addAll(answer.getHeaders()))
                    .body(answer.getBody());
        });
    }
}
