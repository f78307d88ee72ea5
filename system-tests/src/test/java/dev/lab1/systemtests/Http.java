package dev.lab1.systemtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Requests as a client sees them: status, body, headers, and how long the answer took. Never
 * throws for a failed exchange: no answer at all (refused, reset, timed out) is status 0, so a
 * test can count it like any other outcome.
 */
final class Http {

    /** Longer than any answer B may take (its time limit is 1 s): reaching it means a hang. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1) // as curl and load tools speak to B: no h2c upgrade attempt
            // Generous: with hundreds of connections opened at once, a SYN dropped from a full
            // accept queue is retried after 1 s and 3 s; a refused connection still fails at once.
            .connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String body, HttpHeaders headers, Duration elapsed) {
        /** Status 0: no HTTP answer at all (refused, reset, or none within {@link #REQUEST_TIMEOUT}). */
        boolean answered() {
            return status != 0;
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        String retryAfter() {
            return header("Retry-After");
        }
    }

    private Http() {
    }

    static Answer get(String url) {
        return send(request(url).build());
    }

    static Answer get(String url, Map<String, String> headers) {
        var request = request(url);
        headers.forEach(request::header);
        return send(request.build());
    }

    /** The builder {@link #get} uses (with its timeout), to add a method or headers. */
    static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(REQUEST_TIMEOUT);
    }

    static Answer send(HttpRequest request) {
        long start = System.nanoTime();
        try {
            return answer(CLIENT.send(request, HttpResponse.BodyHandlers.ofString()), start);
        } catch (IOException e) {
            return noAnswer(e, start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A GET sent now, answered later: for calls that must be in flight together. */
    static CompletableFuture<Answer> getAsync(String url) {
        long start = System.nanoTime();
        return CLIENT.sendAsync(request(url).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> answer(response, start))
                .exceptionally(e -> noAnswer(e, start));
    }

    private static Answer answer(HttpResponse<String> response, long start) {
        return new Answer(response.statusCode(), response.body(), response.headers(), Duration.ofNanos(System.nanoTime() - start));
    }

    private static Answer noAnswer(Throwable e, long start) {
        return new Answer(0, e.toString(), HttpHeaders.of(Map.of(), (name, value) -> true),
                Duration.ofNanos(System.nanoTime() - start));
    }
}
