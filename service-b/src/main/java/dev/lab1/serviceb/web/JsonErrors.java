package dev.lab1.serviceb.web;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.function.RequestPredicates;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * B's one error shape, {@code {"error":…,"status":…}}, for every error B did not answer itself,
 * whatever the request's {@code Accept} (no HTML page, no 406), from the three places an error can
 * come from: Jetty, before Spring sees the request ({@link JettyErrors}); the servlet container's
 * error dispatch (an unknown path or method, a malformed query; {@link ErrorPage}); and TRACE, refused
 * before either ({@link TraceRefusal}). A 4xx of {@code /call-echo} is answered by
 * {@link CallEchoAnswers}, which counts and logs it. The text is B's (the status's reason phrase, or a
 * fixed explanation), never the request's content or an exception message, so nothing a client sends
 * is reflected.
 *
 * <p>The management port (Actuator) is served by a child context that gets none of these; the
 * static factories below are its versions, without {@code /call-echo} to count
 * ({@code dev.lab1.servicebmanagement.ManagementPortConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
public class JsonErrors {

    @Bean
    JettyServerCustomizer jsonErrorPages(CallEchoAnswers callEcho) {
        return server -> server.setErrorHandler(new JettyErrors(callEcho));
    }

    /** Errors Jetty answers itself on the management port. */
    public static JettyServerCustomizer managementJettyErrors() {
        return server -> server.setErrorHandler(new JettyErrors(null));
    }

    /** TRACE refused on the management port. */
    public static Filter managementTraceRefusal() {
        return new TraceRefusal(null);
    }

    /**
     * The management port's error page at {@code path}. The child context maps Actuator's own error
     * endpoint to the same path and has no switch for it; a router function is looked up before
     * annotated controllers, so this one answers.
     */
    public static RouterFunction<ServerResponse> managementErrorPage(String path) {
        ErrorPage errors = new ErrorPage(null);
        return RouterFunctions.route(RequestPredicates.path(path), request -> {
            ResponseEntity<byte[]> answer = errors.error(request.servletRequest());
            return ServerResponse.status(answer.getStatusCode()).headers(headers -> headers.addAll(answer.getHeaders()))
                    .body(answer.getBody());
        });
    }

    /** B's text for an error status. */
    static String message(int status) {
        if (status == HttpStatus.BAD_REQUEST.value()) {
            return "Bad Request: the request line, a header or the query is malformed (for example an invalid "
                    + "percent-escape or invalid UTF-8)";
        }
        if (status == HttpStatus.PAYLOAD_TOO_LARGE.value()) {
            return "Content Too Large: B takes no request body";
        }
        HttpStatus known = HttpStatus.resolve(status);
        return known != null ? known.getReasonPhrase() : "HTTP " + status;
    }

    /** The one error shape: {@code {"error":"Not Found","status":404}}. */
    static byte[] body(int status, String message) {
        String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(message));
        return ("{\"error\":\"" + quoted + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The body of an error of {@code path}; a 4xx of {@code /call-echo} is also counted and logged
     * as its bad_request ({@code callEcho} is null on the management port, which has no such path).
     */
    private static byte[] answer(CallEchoAnswers callEcho, int status, String path, long beginNanos) {
        String error = message(status);
        if (callEcho != null && status >= 400 && status < 500 && CallEchoAnswers.PATH.equals(path)) {
            return callEcho.refused(status, error, beginNanos);
        }
        return body(status, error);
    }

    /** When Jetty began reading the request, for the latency in the log line. */
    private static long beginNanos(HttpServletRequest request) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(request);
        return jetty != null ? jetty.getBeginNanoTime() : System.nanoTime();
    }

    /** B's error page, in place of Spring Boot's: every error that reaches the servlet container. */
    @RestController
    static class ErrorPage implements ErrorController {

        private final CallEchoAnswers callEcho;

        ErrorPage(CallEchoAnswers callEcho) {
            this.callEcho = callEcho;
        }

        @RequestMapping("${server.error.path:/error}")
        ResponseEntity<byte[]> error(HttpServletRequest request) {
            // Asked for directly, /error is just a path that does not exist.
            int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 404;
            Object path = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
            return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                    .body(answer(callEcho, status, path == null ? null : path.toString(), beginNanos(request)));
        }
    }

    /**
     * Errors Jetty answers itself, before Spring sees the request (a request line or headers too
     * large, a malformed request or URI, a refused body).
     */
    static class JettyErrors extends ErrorHandler {

        private final CallEchoAnswers callEcho;

        JettyErrors(CallEchoAnswers callEcho) {
            this.callEcho = callEcho;
        }

        /** Every method gets the JSON (Jetty's default writes a body only for GET, POST and HEAD: a refused PUT got none). */
        @Override
        public boolean errorPageForMethod(String method) {
            return true;
        }

        @Override
        protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                        Callback callback) {
            byte[] body = answer(callEcho, code, path(request), request.getBeginNanoTime());
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(body), callback);
        }

        private static String path(Request request) {
            try {
                return request.getHttpURI().getPath();
            } catch (RuntimeException unparsable) {
                return null;
            }
        }
    }

    /**
     * TRACE is refused with 405 on every path. The servlet default answers it by echoing the
     * request's headers, cookies and credentials included (cross-site tracing), and Spring hands
     * TRACE back to that default even when told to dispatch it, so it is stopped before either.
     */
    @Component
    @Order(Ordered.HIGHEST_PRECEDENCE)
    static class TraceRefusal extends OncePerRequestFilter {

        private final CallEchoAnswers callEcho;

        TraceRefusal(CallEchoAnswers callEcho) {
            this.callEcho = callEcho;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (!"TRACE".equals(request.getMethod())) {
                chain.doFilter(request, response);
                return;
            }
            int status = HttpServletResponse.SC_METHOD_NOT_ALLOWED;
            byte[] body = answer(callEcho, status, request.getRequestURI(), beginNanos(request));
            response.setStatus(status);
            response.setHeader(HttpHeaders.ALLOW, "GET");
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.getOutputStream().write(body);
        }
    }
}
