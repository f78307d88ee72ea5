package dev.lab1.serviceb.health;

import java.util.Map;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** The original's {@code GET /health}: B is up. It never depends on A (A's failure is not B's). */
@RestController
class HealthController {

    private static final Map<String, String> OK = Map.of("status", "ok");

    @GetMapping("/health")
    Map<String, String> health() {
        return OK;
    }
}
