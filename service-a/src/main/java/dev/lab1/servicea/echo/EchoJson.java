package dev.lab1.servicea.echo;

import com.fasterxml.jackson.core.io.JsonStringEncoder;

/**
 * The text of {@code EchoReply.msg}: the JSON object {@code {"echo": "<msg>"}}, spaced as the
 * original's {@code json.dumps} wrote it, because consumers parse it as JSON.
 */
final class EchoJson {

    private static final String PREFIX = "{\"echo\": \"";
    private static final String SUFFIX = "\"}";

    private EchoJson() {
    }

    static String of(String msg) {
        char[] escaped = JsonStringEncoder.getInstance().quoteAsString(msg);
        return new StringBuilder(PREFIX.length() + escaped.length + SUFFIX.length())
                .append(PREFIX).append(escaped).append(SUFFIX).toString();
    }
}
