package dev.lab1.serviceb.errors;

import java.nio.ByteBuffer;

import dev.lab1.serviceb.call.CallEchoOutcomes;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers itself, before Spring sees the request (a request line or headers too
 * large, a malformed request or URI), get B's JSON body like every other answer, not Jetty's HTML
 * page; when the request was for {@code /call-echo}, it is counted and logged as its bad_request.
 * Errors inside Spring go to {@link JsonErrorController}. {@code callEcho} is null on the management
 * port, which has no {@code /call-echo} ({@link ManagementPortErrors}).
 */
class JsonErrorHandler extends ErrorHandler {

    private final CallEchoOutcomes callEcho;

    JsonErrorHandler(CallEchoOutcomes callEcho) {
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
        String error = ErrorBody.message(code);
        if (callEcho != null && code >= 400 && code < 500 && isCallEcho(request)) {
            callEcho.rejected(code, error, request.getBeginNanoTime());
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(ErrorBody.json(code, error)), callback);
    }

    private static boolean isCallEcho(Request request) {
        try {
            return CallEchoOutcomes.PATH.equals(request.getHttpURI().getPath());
        } catch (RuntimeException unparsable) {
            return false;
        }
    }
}
