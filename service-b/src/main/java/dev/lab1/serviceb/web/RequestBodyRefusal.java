package dev.lab1.serviceb.web;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * B takes no request body (its API is {@code GET}): a request that announces one, by a Content-Length
 * above 0 or by any Transfer-Encoding, is answered 413 in B's JSON before a byte of the body is read,
 * whatever its method or path, and Jetty closes the connection (its body is never consumed). Without
 * this, Spring's form filter reads a PUT/PATCH/DELETE form body whole into the heap. Jetty's
 * {@code SizeLimitHandler} would refuse a declared length up front but counts a chunked body only as
 * it is read, which a handler that ignores the body never does.
 */
@Configuration(proxyBeanMethods = false)
class RequestBodyRefusal {

    @Bean
    JettyServerCustomizer refuseRequestBodies() {
        return server -> server.insertHandler(new Refuse());
    }

    static final class Refuse extends Handler.Wrapper {

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (request.getLength() > 0 || request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)) {
                // Answered by the server's error handler: B's JSON, counted as a bad_request for /call-echo.
                Response.writeError(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413);
                return true;
            }
            return super.handle(request, response, callback);
        }
    }
}
