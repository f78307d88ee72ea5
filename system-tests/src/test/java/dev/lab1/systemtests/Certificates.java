package dev.lab1.systemtests;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.grpc.ChannelCredentials;
import io.grpc.TlsChannelCredentials;

/**
 * Certificates made by the repository's own script (scripts/certs.sh), as a user makes them, in a
 * directory of their own: {@code ca/}, {@code service-a/}, {@code service-b/}.
 */
record Certificates(Path dir) {

    /** A new CA and certificates for A and B, in {@code dir}; {@code options} as the script takes them. */
    static Certificates make(Path dir, String... options) {
        List<String> args = new ArrayList<>(List.of(options));
        args.add(dir.toString());
        RepoScripts.run("certs.sh", Map.of(), Duration.ofSeconds(60), args);
        return new Certificates(dir);
    }

    /** Certificates for A and B signed by this CA, in {@code dir}. */
    Certificates sign(Path other, String... options) {
        List<String> all = new ArrayList<>(List.of("--ca", dir.resolve("ca").toString()));
        all.addAll(List.of(options));
        return make(other, all.toArray(String[]::new));
    }

    Path serviceA() {
        return dir.resolve("service-a");
    }

    Path serviceB() {
        return dir.resolve("service-b");
    }

    /** A's arguments for mutual TLS with these files. */
    String[] serviceAMutualTls() {
        return new String[] {"--spring.profiles.active=mutual-tls", "--service-a.grpc.tls.directory=" + serviceA()};
    }

    /** B's arguments for {@code profile} (tls or mutual-tls) with these files. */
    String[] serviceB(String profile) {
        return new String[] {"--spring.profiles.active=" + profile, "--service-b.service-a.tls.directory=" + serviceB()};
    }

    /** A client that trusts this CA and presents B's certificate from {@code presenting} (null: none). */
    ChannelCredentials client(Certificates presenting) {
        try {
            var credentials = TlsChannelCredentials.newBuilder().trustManager(file(serviceB().resolve("ca.crt")));
            if (presenting != null) {
                credentials.keyManager(file(presenting.serviceB().resolve("tls.crt")),
                        file(presenting.serviceB().resolve("tls.key")));
            }
            return credentials.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static File file(Path path) {
        if (!Files.isReadable(path)) {
            throw new IllegalStateException(path + " is not readable");
        }
        return path.toFile();
    }
}
