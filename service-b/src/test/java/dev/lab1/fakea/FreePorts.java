package dev.lab1.fakea;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for a test's own gRPC server, picked as system-tests' {@code ProcessFixture.freePort}
 * picks them: below the kernel's ephemeral range (an OS-picked port is ephemeral, and an outgoing
 * connection can take it between the pick and the bind), never one handed out twice in this JVM.
 */
public final class FreePorts {

    private static final int FIRST_PORT = 20_000;
    private static final int LAST_PORT = 27_999;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A port nobody listens on right now on 127.0.0.1, not handed out before in this JVM. */
    public static int next() {
        var random = ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = random.nextInt(FIRST_PORT, LAST_PORT + 1);
            if (!HANDED_OUT.add(port)) {
                continue;
            }
            try (var socket = new ServerSocket()) {
                socket.bind(new InetSocketAddress("127.0.0.1", port));
                return port;
            } catch (IOException inUse) {
                // taken by something else: try another
            }
        }
        throw new IllegalStateException("no free port in " + FIRST_PORT + "-" + LAST_PORT);
    }
}
