package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.yaml.snakeyaml.Yaml;

/** The repository's own configuration files, read as the tools that use them read them. */
final class RepoFiles {

    private RepoFiles() {
    }

    static Path path(String relative) {
        return Path.of(System.getProperty("repo.root", "..")).resolve(relative);
    }

    static String text(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A one-document YAML file (an application.yml has several: {@link #springDocuments}). */
    static Map<String, Object> yaml(String relative) {
        return new Yaml().load(text(relative));
    }

    /**
     * A Spring Boot application.yml, each of its documents flattened ({@link #flatten}): the first holds the
     * defaults, each one after it applies to the profiles its {@code spring.config.activate.on-profile} names.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> springDocuments(String relative) {
        var documents = new ArrayList<Map<String, Object>>();
        for (Object document : new Yaml().loadAll(text(relative))) {
            if (document != null) {
                documents.add(flatten((Map<String, Object>) document));
            }
        }
        return documents;
    }

    /** The defaults of a Spring Boot application.yml (its first document), flattened. */
    static Map<String, Object> springDefaults(String relative) {
        return springDocuments(relative).get(0);
    }

    /** The profiles a Spring Boot application.yml has settings for: every name in its on-profile expressions. */
    static Set<String> springProfiles(String relative) {
        var profiles = new TreeSet<String>();
        for (Map<String, Object> document : springDocuments(relative)) {
            Object expression = document.get("spring.config.activate.on-profile");
            if (expression != null) {
                Arrays.stream(expression.toString().split("[\\s|&!()]+")).filter(name -> !name.isEmpty()).forEach(profiles::add);
            }
        }
        return profiles;
    }

    /**
     * The value a property takes with one profile active: the last document for that profile (or for
     * an expression naming it) that sets it, else the default.
     */
    static Object springValue(String relative, String profile, String property) {
        Object value = null;
        for (Map<String, Object> document : springDocuments(relative)) {
            Object expression = document.get("spring.config.activate.on-profile");
            boolean applies = expression == null || Arrays.asList(expression.toString().split("\\s*\\|\\s*")).contains(profile);
            if (applies && document.containsKey(property)) {
                value = document.get(property);
            }
        }
        return value;
    }

    /**
     * The environment variable that sets a property, by Spring Boot's one rule (relaxed binding):
     * drop the dashes, dots become underscores, upper case ({@code service-b.service-a.connect-wait ->
     * SERVICEB_SERVICEA_CONNECTWAIT}).
     */
    static String environmentVariable(String property) {
        return property.replace("-", "").replace(".", "_").toUpperCase(Locale.ROOT);
    }

    /** A YAML tree flattened to Spring property names: {@code grpc.server.port -> 8080}. */
    static Map<String, Object> flatten(Map<String, Object> tree) {
        var flat = new LinkedHashMap<String, Object>();
        flatten("", tree, flat);
        return flat;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Map<String, Object> tree, Map<String, Object> flat) {
        tree.forEach((key, value) -> {
            String name = prefix.isEmpty() ? key : prefix + "." + key;
            if (value instanceof Map<?, ?> map) {
                flatten(name, (Map<String, Object>) map, flat);
            } else {
                flat.put(name, value);
            }
        });
    }
}
