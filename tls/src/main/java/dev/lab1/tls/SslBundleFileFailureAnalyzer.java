package dev.lab1.tls;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.Environment;

/**
 * A service whose SSL bundle cannot be read refuses to start; Spring Boot's own message names the
 * file but not the setting. This names both: the {@code spring.ssl.bundle.*} property that points
 * at the file (or, when no file is named, as for a wrong password, every property of the bundles).
 */
class SslBundleFileFailureAnalyzer extends AbstractFailureAnalyzer<IOException> {

    private static final Pattern QUOTED = Pattern.compile("'(?:file:)?([^']+)'");
    private static final String PREFIX = "spring.ssl.bundle.";

    private final Environment environment;

    SslBundleFileFailureAnalyzer(Environment environment) {
        this.environment = environment;
    }

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, IOException cause) {
        List<String> bundleSettings = bundleSettings();
        if (bundleSettings.isEmpty()) {
            return null; // not about SSL bundles
        }
        String reason = deepest(cause).getMessage();
        Matcher quoted = QUOTED.matcher(String.valueOf(cause.getMessage()));
        if (quoted.find()) {
            String file = quoted.group(1);
            List<String> naming = bundleSettings.stream()
                    .filter(name -> String.valueOf(environment.getProperty(name)).endsWith(file)).toList();
            if (!naming.isEmpty()) {
                return new FailureAnalysis("The file " + file + ", named by " + String.join(", ", naming)
                        + ", cannot be used: " + reason,
                        "Create the certificates (scripts/certs.sh) or point " + naming.get(0) + " at a readable file.",
                        cause);
            }
        }
        return new FailureAnalysis("An SSL bundle cannot be loaded: " + reason + " (bundle settings: "
                + String.join(", ", bundleSettings) + ")",
                "Check the files and passwords these settings name.", cause);
    }

    private List<String> bundleSettings() {
        var names = new ArrayList<String>();
        if (environment instanceof ConfigurableEnvironment configurable) {
            configurable.getPropertySources().forEach(source -> {
                if (source instanceof EnumerablePropertySource<?> enumerable) {
                    for (String name : enumerable.getPropertyNames()) {
                        if (name.startsWith(PREFIX) && !names.contains(name)
                                && !name.endsWith("password") && !name.endsWith("reload-on-update")) {
                            names.add(name);
                        }
                    }
                }
            });
        }
        return names;
    }

    private static Throwable deepest(Throwable throwable) {
        Throwable deepest = throwable;
        while (deepest.getCause() != null && deepest.getCause() != deepest) {
            deepest = deepest.getCause();
        }
        return deepest;
    }
}
