package dev.lab1.serviceb.errors;

import java.nio.charset.StandardCharsets;

import org.springframework.http.HttpStatus;

/**
 * B's JSON for an error it did not answer itself: {@code {"error":"Not Found","status":404}}. The
 * text is B's (the status's reason phrase, or a fixed explanation), never the request's content
 * or an exception message, so nothing a client sends is reflected.
 */
final class ErrorBody {

    private ErrorBody() {
    }

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

    static byte[] json(int status, String message) {
        // message is B's own text (see message(int)): letters, spaces, punctuation, no quotes or backslashes.
        return ("{\"error\":\"" + message + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
    }
}
