package dev.lab1.systemtests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * Many "slowloris" connections from one thread (NIO): each sends the start of a request head, then
 * one more header byte every {@code every}, and never finishes it. Records, per connection, when its
 * first byte was sent and when the server closed it.
 */
final class Tricklers implements AutoCloseable {

    private static final byte[] HEAD_START = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: "
            .getBytes(StandardCharsets.US_ASCII);
    /** Connects in flight at once: more overflow the server's accept backlog and cost SYN retries. */
    private static final int CONNECTING_AT_ONCE = 128;

    private final InetSocketAddress target;
    private final int count;
    private final Duration every;
    private final Thread thread;
    private final Selector selector;
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger closedByServer = new AtomicInteger();
    private final AtomicInteger failedToConnect = new AtomicInteger();
    private final AtomicLong lastFirstByte = new AtomicLong();
    private final AtomicLong shortestLife = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong longestLife = new AtomicLong();
    private volatile boolean running = true;

    private record Conn(SocketChannel channel, long[] firstByteAt) {
    }

    /** How many connections this JVM can open beside its other files, at most {@code wanted}. */
    static int fitting(int wanted, int spare) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long room = os.getMaxFileDescriptorCount() - os.getOpenFileDescriptorCount() - spare;
            return (int) Math.max(0, Math.min(wanted, room));
        }
        return wanted;
    }

    Tricklers(int port, int count, Duration every) {
        this.target = new InetSocketAddress("127.0.0.1", port);
        this.count = count;
        this.every = every;
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.thread = new Thread(this::run, "tricklers-" + port);
        this.thread.setDaemon(true);
        this.thread.start();
    }

    int count() {
        return count;
    }

    int opened() {
        return opened.get();
    }

    int closedByServer() {
        return closedByServer.get();
    }

    int failedToConnect() {
        return failedToConnect.get();
    }

    boolean allOpenedAndClosed() {
        return opened.get() + failedToConnect.get() == count && closedByServer.get() == opened.get();
    }

    /** When the last connection sent its first byte (System.nanoTime), 0 before. */
    long lastFirstByteNanos() {
        return lastFirstByte.get();
    }

    /** The shortest and longest time from a connection's first byte to its closing by the server. */
    Duration shortestLife() {
        return Duration.ofNanos(shortestLife.get() == Long.MAX_VALUE ? 0 : shortestLife.get());
    }

    Duration longestLife() {
        return Duration.ofNanos(longestLife.get());
    }

    private void run() {
        List<Conn> open = new ArrayList<>();
        int started = 0;
        int connecting = 0;
        long nextTrickle = System.nanoTime() + every.toNanos();
        ByteBuffer sink = ByteBuffer.allocate(4096);
        try {
            while (running) {
                while (started < count && connecting < CONNECTING_AT_ONCE) {
                    SocketChannel channel = SocketChannel.open();
                    channel.configureBlocking(false);
                    channel.connect(target);
                    channel.register(selector, SelectionKey.OP_CONNECT, new Conn(channel, new long[1]));
                    started++;
                    connecting++;
                }
                selector.select(50);
                for (SelectionKey key : selector.selectedKeys()) {
                    Conn conn = (Conn) key.attachment();
                    if (key.isValid() && key.isConnectable()) {
                        connecting--;
                        try {
                            conn.channel().finishConnect();
                            conn.channel().write(ByteBuffer.wrap(HEAD_START));
                            conn.firstByteAt()[0] = System.nanoTime();
                            lastFirstByte.set(conn.firstByteAt()[0]);
                            key.interestOps(SelectionKey.OP_READ);
                            open.add(conn);
                            opened.incrementAndGet();
                        } catch (IOException refused) {
                            failedToConnect.incrementAndGet();
                            key.cancel();
                            conn.channel().close();
                        }
                    } else if (key.isValid() && key.isReadable()) {
                        int read;
                        try {
                            sink.clear();
                            read = conn.channel().read(sink);
                        } catch (IOException reset) {
                            read = -1;
                        }
                        if (read < 0) {
                            closed(conn, key);
                        }
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() >= nextTrickle) {
                    nextTrickle += every.toNanos();
                    for (Conn conn : open) {
                        if (conn.channel().isOpen()) {
                            try {
                                conn.channel().write(ByteBuffer.wrap(new byte[] {'a'}));
                            } catch (IOException closed) {
                                // seen as end of stream by the next select
                            }
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void closed(Conn conn, SelectionKey key) throws IOException {
        long life = System.nanoTime() - conn.firstByteAt()[0];
        key.cancel();
        conn.channel().close();
        closedByServer.incrementAndGet();
        shortestLife.accumulateAndGet(life, Math::min);
        longestLife.accumulateAndGet(life, Math::max);
    }

    @Override
    public void close() throws Exception {
        running = false;
        thread.join(5000);
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
    }
}
