package dev.lab1.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromQlTest {

    @Test
    void listsTheMetricsAnExpressionSelectsAndNothingElse() {
        assertThat(PromQl.metricNames(
                "histogram_quantile(0.99, sum by (le) (rate(http_server_requests_seconds_bucket{uri=\"/call-echo\"}[1m])))"))
                .containsExactly("http_server_requests_seconds_bucket");
        assertThat(PromQl.metricNames("sum(rate(a_total{reason=\"timeout\"}[1m])) / clamp_min(sum(rate(a_total[1m])), 1e-9) > 0.05"))
                .containsExactly("a_total");
        assertThat(PromQl.metricNames("x_max{name=\"n\"} - y_available{name=\"n\"}")).containsExactly("x_max", "y_available");
        assertThat(PromQl.metricNames("up{job=\"service-a\"} == 0")).containsExactly("up");
    }
}
