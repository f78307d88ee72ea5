package dev.lab1.servicea.web;

import java.nio.charset.StandardCharsets;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A's error page on its HTTP port, in B's shape: {@code {"error":…,"status":…}}, whatever the
 * request's {@code Accept} (no HTML Whitelabel page). The text is A's own (the status's reason
 * phrase), never the request's content.
 */
@RestController
class JsonErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<byte[]> error(HttpServletRequest request) {
        // Asked for directly, /error is just a path that does not exist.
        int status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code ? code : 404;
        String error = status == HttpStatus.PAYLOAD_TOO_LARGE.value() ? "Content Too Large: A takes no request body"
                : HttpStatus.resolve(status) != null ? HttpStatus.resolve(status).getReasonPhrase() : "HTTP " + status;
        byte[] body = ("{\"error\":\"" + error + "\",\"status\":" + status + "}").getBytes(StandardCharsets.UTF_8);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(body);
    }
}
