package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

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

    /**
     * The file's first YAML document: in an application.yml, the defaults (the documents after it
     * apply only under a profile, such as mutual-tls).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String relative) {
        return (Map<String, Object>) new Yaml().loadAll(text(relative)).iterator().next();
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
