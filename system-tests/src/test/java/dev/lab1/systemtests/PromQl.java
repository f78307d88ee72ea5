package dev.lab1.systemtests;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Just enough PromQL reading to list the metric names an expression selects. */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*(\\s*\\()?");

    private PromQl() {
    }

    static Set<String> metricNames(String expression) {
        String bare = RANGES.matcher(GROUPING.matcher(LABEL_MATCHERS.matcher(expression).replaceAll(" ")).replaceAll(" "))
                .replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher identifiers = IDENTIFIER.matcher(bare);
        while (identifiers.find()) {
            String token = identifiers.group();
            boolean isFunction = identifiers.group(1) != null;
            boolean isNumber = identifiers.start() > 0 && Character.isDigit(bare.charAt(identifiers.start() - 1));
            if (!isFunction && !isNumber && !KEYWORDS.contains(token)) {
                names.add(token);
            }
        }
        return names;
    }
}
