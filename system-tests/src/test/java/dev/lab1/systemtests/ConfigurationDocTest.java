package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md cannot fall behind the code: in each service's section ({@code ## service-a},
 * {@code ## service-b}), the rows of the service's own settings are exactly the settings the build
 * found ({@code spring-configuration-metadata.json}, written by Spring Boot's configuration processor
 * from the {@code @ConfigurationProperties} records), and every row names the environment variable of
 * Spring Boot's rule and the default of that service's application.yml.
 */
class ConfigurationDocTest {

    /** {@code | `key` | `default` | `ENV_VAR` | meaning |}: the page's row format. */
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z0-9.-]+)`\\s*\\|\\s*`([^`]*)`\\s*\\|\\s*`([A-Z0-9_]+)`\\s*\\|",
            Pattern.MULTILINE);
    private static final Pattern PLACEHOLDER_DEFAULT = Pattern.compile("^\\$\\{[^:}]+:([^}]*)}$");

    private static final List<String> SERVICES = List.of("service-a", "service-b");

    private final String page = RepoFiles.text("docs/configuration.md");

    record Row(String key, String defaultValue, String environmentVariable) {
    }

    @Test
    void everyOwnSettingHasExactlyOneRowAndNoRowNamesASettingThatIsGone() {
        for (String service : SERVICES) {
            List<String> documented = rows(service).keySet().stream().filter(key -> !isLibrarys(key)).toList();
            assertThat(documented).as("rows of %s's own settings in docs/configuration.md", service)
                    .containsExactlyInAnyOrderElementsOf(ownSettings(service));
        }
    }

    @Test
    void everyRowNamesTheEnvironmentVariableOfSpringBootsRule() {
        for (String service : SERVICES) {
            assertThat(rows(service).values()).as(service).isNotEmpty().allSatisfy(row ->
                    assertThat(row.environmentVariable()).as(row.key())
                            .isEqualTo(RepoFiles.environmentVariable(row.key())));
        }
    }

    /** Where the service's application.yml sets a plain value, the page gives the same default. */
    @Test
    void everyDefaultIsTheOneApplicationYmlSets() {
        List<Row> compared = new ArrayList<>();
        for (String service : SERVICES) {
            Map<String, Object> yaml = RepoFiles.springDefaults(service + "/src/main/resources/application.yml");
            for (Row row : rows(service).values()) {
                Object value = yaml.get(row.key());
                if (value == null || value.toString().contains("\n")) {
                    continue; // the library's own default, or a document (the service config)
                }
                Matcher placeholder = PLACEHOLDER_DEFAULT.matcher(value.toString());
                String expected = placeholder.matches() ? placeholder.group(1) : value.toString();
                assertThat(row.defaultValue()).as("%s: %s", service, row.key()).isEqualTo(expected);
                compared.add(row);
            }
        }
        assertThat(compared).as("rows whose default was compared").hasSizeGreaterThan(20);
    }

    /** Spring Boot's, gRPC's and Resilience4j's settings: documented where they matter, not all of them. */
    private static boolean isLibrarys(String key) {
        return !key.startsWith("service-a.") && !key.startsWith("service-b.");
    }

    private static List<String> ownSettings(String service) {
        JsonNode metadata;
        try {
            metadata = new ObjectMapper().readTree(RepoFiles.path(
                    service + "/target/classes/META-INF/spring-configuration-metadata.json").toFile());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("build " + service + " first (./mvnw verify builds it before these tests)", e);
        }
        List<String> names = new ArrayList<>();
        metadata.get("properties").forEach(property -> names.add(property.get("name").asText()));
        assertThat(names).as("%s's settings in its metadata", service).isNotEmpty()
                .allSatisfy(name -> assertThat(name).startsWith(service + "."));
        return names;
    }

    /** The rows of the page's section {@code ## service}, up to the next section. */
    private Map<String, Row> rows(String service) {
        int start = page.indexOf("\n## " + service + "\n");
        assertThat(start).as("a section ## %s in docs/configuration.md", service).isNotNegative();
        int end = page.indexOf("\n## ", start + 1);
        String section = page.substring(start, end < 0 ? page.length() : end);
        Map<String, Row> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            Row previous = rows.put(row.group(1), new Row(row.group(1), row.group(2), row.group(3)));
            assertThat(previous).as("a second row for %s", row.group(1)).isNull();
        }
        return rows;
    }
}
