package dev.lab1.serviceb.errors;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.springframework.http.HttpStatus;

/**
 * Errors Jetty answers itself, before Spring sees the request (a request line or headers too
 * large, a malformed request), get a JSON body like every other answer of B, not Jetty's HTML page.
 * Errors inside Spring already have one: Boot's error controller writes it.
 */
class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        HttpStatus known = HttpStatus.resolve(code);
        String error = known != null ? known.getReasonPhrase() : "HTTP " + code;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        byte[] body = ("{\"error\":\"" + error + "\",\"status\":" + code + "}").getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
