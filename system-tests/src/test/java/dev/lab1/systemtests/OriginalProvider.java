package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.lab1.proto.EchoReply;
import dev.lab1.proto.EchoRequest;
import dev.lab1.proto.HealthCheckReply;
import dev.lab1.proto.HealthCheckRequest;
import dev.lab1.proto.ServiceAGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.stub.StreamObserver;

/**
 * A stand-in for the original Python provider ({@code service_a}, grpcio, 5 workers), written
 * only against the proto: it answers {@code json.dumps({"echo": msg})}, which by Python's
 * default escapes every non-ASCII character as {@code \\uXXXX}.
 */
final class OriginalProvider implements AutoCloseable {

    private final Server server;
    private final ExecutorService workers = Executors.newFixedThreadPool(5);
    private final int port;

    OriginalProvider(int port) {
        this.port = port;
        server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .executor(workers)
                .addService(new ServiceAGrpc.ServiceAImplBase() {
                    @Override
                    public void echo(EchoRequest request, StreamObserver<EchoReply> observer) {
                        observer.onNext(EchoReply.newBuilder().setMsg("{\"echo\": " + pythonJsonString(request.getMsg()) + "}").build());
                        observer.onCompleted();
                    }

                    @Override
                    public void healthCheck(HealthCheckRequest request, StreamObserver<HealthCheckReply> observer) {
                        observer.onNext(HealthCheckReply.newBuilder().setStatus("ok").build());
                        observer.onCompleted();
                    }
                })
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    /** Python's {@code json.dumps(str)} with its default {@code ensure_ascii=True}. */
    static String pythonJsonString(String s) {
        var out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        workers.shutdownNow();
    }
}
