package dev.lab1.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GETs as a client sees them: status, body, one header, and how long the answer took. */
final class Http {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record Answer(int status, String body, String retryAfter, Duration elapsed) {
        /** Status 0: no HTTP answer at all (refused, reset, or no answer within 10 s). */
        boolean answered() {
            return status != 0;
        }
    }

    private Http() {
    }

    static Answer get(String url) {
        var request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        try {
            var response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body(),
                    response.headers().firstValue("Retry-After").orElse(null),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            return new Answer(0, e.toString(), null, Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
