package dev.lab1.servicea.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A's HTTP port serves Actuator's GETs and takes no request body: a request that announces one (a
 * Content-Length above 0, or any Transfer-Encoding) gets 413 in A's JSON before anything reads it,
 * on every path; Tomcat then closes the connection (413 drops it, after discarding at most
 * {@code server.tomcat.max-swallow-size} of the unread body so that the client sees the answer).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class RequestBodyRefusingFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
            response.sendError(HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE); // rendered by JsonErrorController
            return;
        }
        chain.doFilter(request, response);
    }
}
