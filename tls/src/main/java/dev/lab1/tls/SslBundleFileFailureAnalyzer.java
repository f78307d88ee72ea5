package dev.lab1.tls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;

/**
 * A service whose SSL bundle cannot be read refuses to start; Spring Boot's own message names the
 * file at best, never the setting. This names both: the {@code spring.ssl.bundle.*} property that
 * points at the unreadable file, or, for a key that cannot be decrypted, the key's setting, its file
 * and its password's setting.
 */
class SslBundleFileFailureAnalyzer implements FailureAnalyzer {

    private static final Pattern QUOTED = Pattern.compile("'(?:file:)?([^']+)'");
    private static final String PREFIX = "spring.ssl.bundle.";
    private static final String ACTION = "Create the certificates (scripts/certs.sh), or point the setting at a readable file "
            + "with the right password (docs/security.md).";

    private final Environment environment;

    SslBundleFileFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        boolean aboutStores = chain.stream().map(t -> String.valueOf(t.getMessage()))
                .anyMatch(m -> m.contains("key store") || m.contains("trust store") || m.contains("for watching"));
        List<String> settings = bundleSettings();
        if (!aboutStores || settings.isEmpty()) {
            return null; // not about SSL bundles
        }
        String reason = chain.get(chain.size() - 1).getMessage();
        for (Throwable t : chain) {
            Matcher quoted = QUOTED.matcher(String.valueOf(t.getMessage()));
            if (t instanceof IOException && quoted.find()) {
                String file = quoted.group(1);
                List<String> naming = settings.stream()
                        .filter(name -> String.valueOf(environment.getProperty(name)).endsWith(file)).toList();
                if (!naming.isEmpty()) {
                    return new FailureAnalysis("The file " + file + ", named by " + String.join(", ", naming)
                            + ", cannot be used: " + reason, ACTION, failure);
                }
            }
        }
        if (chain.stream().map(t -> String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT))
                .anyMatch(m -> m.contains("private key"))) {
            List<String> keys = settings.stream().filter(name -> name.endsWith(".private-key")).toList();
            return new FailureAnalysis("The private key " + keys.stream().map(k -> k + " (" + environment.getProperty(k) + ")").toList()
                    + " cannot be read: " + reason + "; if it is encrypted, check its password setting ("
                    + keys.stream().map(k -> k + "-password").toList() + ")", ACTION, failure);
        }
        return new FailureAnalysis("An SSL bundle cannot be loaded: " + reason + " (bundle settings: "
                + String.join(", ", settings) + ")", ACTION, failure);
    }

    /** Every spring.ssl.bundle.* setting that names a file (passwords left out: never printed). */
    private List<String> bundleSettings() {
        var names = new ArrayList<String>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            configurable.getPropertySources().forEach(source -> {
                if (source instanceof EnumerablePropertySource<?> enumerable) {
                    for (String name : enumerable.getPropertyNames()) {
                        if (name.startsWith(PREFIX) && !names.contains(name)
                                && !name.endsWith("password") && !name.endsWith("reload-on-update")
                                && !name.startsWith(PREFIX + "watch.")) {
                            names.add(name);
                        }
                    }
                }
            });
        }
        return names;
    }
}
