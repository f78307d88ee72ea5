package dev.lab1.fakea;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.ContextConfiguration;

/**
 * B wired as in production on a random port, calling a {@link FakeServiceA} whose behaviour each
 * test chooses, served by a real gRPC server on a loopback port ({@link FakeAOnALoopbackPort}). A
 * 300 ms time limit, a bulkhead of one call and a breaker that judges from 5 calls (production: 20)
 * keep the timeout, busy and breaker rows quick to play. Every test class with it shares one
 * application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "resilience4j.timelimiter.configs.default.timeout-duration=300ms",
        "resilience4j.bulkhead.configs.default.max-concurrent-calls=1",
        "resilience4j.circuitbreaker.configs.default.minimum-number-of-calls=5",
        // The fake A starts with the context's gRPC server, after B's warm-up phase: nothing to warm.
        "service-b.service-a.warm-up.calls=0"})
@ContextConfiguration(initializers = FakeAOnALoopbackPort.class)
@Import(FakeServiceA.class)
@ExtendWith(OutputCaptureExtension.class)
public @interface BAgainstFakeA {
}
