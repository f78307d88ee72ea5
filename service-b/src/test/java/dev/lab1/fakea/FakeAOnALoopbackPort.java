package dev.lab1.fakea;

import java.util.Map;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Serves {@link FakeServiceA} with net.devh's Netty gRPC server on a free loopback port, and points
 * B's channel at it ({@code static://127.0.0.1:<port>}), as B calls a real A. An initializer rather
 * than properties, because the port is known only when the context is made: the test context cache
 * keys on this class, not on the port, so every test class with {@link BAgainstFakeA} still shares
 * one context. A port is picked for each context this makes (in practice, once per test JVM), so
 * two contexts alive at once never ask for the same port.
 */
public class FakeAOnALoopbackPort implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        int port = FreePorts.next();
        context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("fake-a-port", Map.of(
                "grpc.server.port", port,
                "grpc.server.address", "127.0.0.1",
                "service-b.service-a.address", "static://127.0.0.1:" + port)));
    }
}
