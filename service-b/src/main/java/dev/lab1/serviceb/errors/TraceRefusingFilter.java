package dev.lab1.serviceb.errors;

import java.io.IOException;

import dev.lab1.serviceb.call.CallEchoOutcomes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * TRACE is refused with 405 and B's JSON on every path. The servlet default answers it by echoing
 * the request's headers, cookies and credentials included (cross-site tracing), and Spring hands
 * TRACE back to that default even when told to dispatch it, so it is stopped before either.
 * {@code callEcho} is null on the management port, which has no {@code /call-echo} ({@link ManagementPortErrors}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class TraceRefusingFilter extends OncePerRequestFilter {

    private final CallEchoOutcomes callEcho;

    TraceRefusingFilter(CallEchoOutcomes callEcho) {
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
        String error = ErrorBody.message(status);
        if (callEcho != null && CallEchoOutcomes.PATH.equals(request.getRequestURI())) {
            callEcho.rejected(status, error, JsonErrorController.beginNanos(request));
        }
        response.setStatus(status);
        response.setHeader(HttpHeaders.ALLOW, "GET");
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.getOutputStream().write(ErrorBody.json(status, error));
    }
}
