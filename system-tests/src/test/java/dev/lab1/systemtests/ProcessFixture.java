package dev.lab1.systemtests;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The one way system tests run services as real processes. Register it as a JUnit extension:
 *
 * <pre>{@code
 * @RegisterExtension final ProcessFixture processes = new ProcessFixture();        // processes per test
 * @RegisterExtension static final ProcessFixture processes = new ProcessFixture(); // shared by the class
 *
 * ServiceProcess a = processes.serviceA("--delay=3");   // free ports, started, not yet awaited
 * ServiceProcess b = processes.serviceB(a);             // B calling that A
 * a.awaitReady(); b.awaitReady(); b.warmUp();
 * }</pre>
 *
 * <p>Every process is registered the moment it is started, before anybody waits for it, so a
 * start-up that fails or a test that throws still gets it closed: after each test (instance field)
 * or after the class (static field), each one independently (one failing close does not spare the
 * others), with SIGKILL (a test that wants a graceful stop asks for it: {@link ServiceProcess#stop()}).
 * {@link ProcessRegistry} also kills them on JVM exit and sweeps the leftovers of a test JVM that
 * died. When a test fails, the last lines of every process's log are printed with it.
 */
final class ProcessFixture implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private static final AtomicInteger REPLICAS = new AtomicInteger();

    private final List<ServiceProcess> processes = new CopyOnWriteArrayList<>();
    private volatile boolean classScoped;

    // ---- starting services ------------------------------------------------------------------

    /** service-a on two free ports (gRPC, Actuator), with {@code args} (e.g. {@code --delay=3}). */
    ServiceProcess serviceA(String... args) {
        return serviceAOnPort(freePort(), args);
    }

    /** service-a with gRPC on a given port (e.g. one B was told about before A existed). */
    ServiceProcess serviceAOnPort(int grpcPort, String... args) {
        int httpPort = freePort(); // A's Actuator is on its HTTP port
        return register(() -> new ServiceProcess(ServiceProcess.Kind.A, "service-a-" + REPLICAS.incrementAndGet(),
                httpPort, httpPort, grpcPort, Map.of(), List.of(args)));
    }

    /** service-b on free ports calling {@code a} (which need not be running yet). */
    ServiceProcess serviceB(ServiceProcess a, String... args) {
        return serviceB(List.of(a), args);
    }

    /** service-b on free ports calling every one of {@code replicas}. */
    ServiceProcess serviceB(List<ServiceProcess> replicas, String... args) {
        return serviceBCalling(staticAddress(replicas), args);
    }

    /**
     * service-b on free ports (public, and management for its Actuator) with {@code SERVICEB_SERVICEA_ADDRESS}
     * set to {@code serviceAAddress} as is.
     */
    ServiceProcess serviceBCalling(String serviceAAddress, String... args) {
        return register(() -> new ServiceProcess(ServiceProcess.Kind.B, "service-b", freePort(), freePort(), -1,
                Map.of("SERVICEB_SERVICEA_ADDRESS", serviceAAddress), List.of(args)));
    }

    /** service-b on free ports whose output goes to a pipe nobody reads (a stopped log reader). */
    ServiceProcess serviceBWithUnreadOutput(String serviceAAddress, String... args) {
        return register(() -> new ServiceProcess(ServiceProcess.Kind.B, "service-b-unread-output", freePort(), freePort(), -1,
                Map.of("SERVICEB_SERVICEA_ADDRESS", serviceAAddress), List.of(args), true));
    }

    /** B's address for a list of A replicas: {@code static://127.0.0.1:p1,127.0.0.1:p2}. */
    static String staticAddress(List<ServiceProcess> replicas) {
        return replicas.stream().map(ServiceProcess::grpcAddress).collect(Collectors.joining(",", "static://", ""));
    }

    /**
     * Ports handed to services come from here, below the kernel's ephemeral range: a port the OS picks
     * (bind to 0) is an ephemeral one, which any outgoing connection (a test client, B's own channel
     * to A) may take as its local port between the pick and the service's bind, now seconds later
     * since services warm up before they listen ("Port … was already in use"). Above the ports the
     * scripts use (bench 18xxx–19xxx, soak 28xxx–29xxx are outside it), never one handed out twice.
     */
    private static final int FIRST_PORT = 20_000;
    private static final int LAST_PORT = 27_999;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /** A port nobody listens on right now, below the ephemeral range, not handed out before in this run. */
    static int freePort() {
        var random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = random.nextInt(FIRST_PORT, LAST_PORT + 1);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (var socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress(port));
                return port;
            } catch (IOException inUse) {
                // taken by something else: try another
            }
        }
        throw new IllegalStateException("no free port in " + FIRST_PORT + "-" + LAST_PORT);
    }

    /** The processes started and not yet closed by this fixture, oldest first. */
    List<ServiceProcess> started() {
        return List.copyOf(processes);
    }

    private ServiceProcess register(java.util.function.Supplier<ServiceProcess> start) {
        ServiceProcess process = start.get(); // registered with ProcessRegistry as soon as it exists
        processes.add(process);
        return process;
    }

    // ---- closing ----------------------------------------------------------------------------

    /** SIGKILLs every process this fixture started, each independently; reports every failure. */
    void closeAll() {
        List<Throwable> failures = new ArrayList<>();
        List<ServiceProcess> toClose = new ArrayList<>(processes);
        java.util.Collections.reverse(toClose);
        for (ServiceProcess process : toClose) {
            try {
                process.close();
            } catch (Throwable e) {
                failures.add(e);
            } finally {
                processes.remove(process);
            }
        }
        if (!failures.isEmpty()) {
            var error = new AssertionError("could not close " + failures.size() + " service process(es)");
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        classScoped = true; // JUnit calls this only for a static field: the processes live as long as the class
    }

    @Override
    public void afterEach(ExtensionContext context) {
        context.getExecutionException().ifPresent(failure ->
                printLogTails(context.getRequiredTestClass().getSimpleName() + " " + context.getDisplayName()));
        if (!classScoped) {
            closeAll();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        context.getExecutionException().ifPresent(failure -> printLogTails(context.getDisplayName()));
        closeAll();
    }

    private void printLogTails(String test) {
        for (ServiceProcess process : processes) {
            try {
                System.out.printf("---- %s failed; last lines of %s ----%n%s%n", test, process, process.logTail(30));
            } catch (RuntimeException e) {
                System.out.printf("---- %s failed; no log of %s: %s%n", test, process, e);
            }
        }
    }
}
