package dev.lab1.servicea.web;

import java.net.SocketTimeoutException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Constants;
import org.apache.coyote.Request;
import org.apache.coyote.http11.Http11NioProtocol;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tomcat's NIO HTTP/1.1 protocol with a deadline for request heads, which Tomcat lacks: its
 * connection timeout is a read timeout that restarts with every byte, so a client trickling its head
 * a byte at a time keeps a connection forever. Tomcat records when a request's first byte arrived
 * and which stage it is in; every tenth of the deadline (at most each second) the connections are
 * swept and one still parsing its head past the deadline gets the error Tomcat's own timeout gives
 * (the connection is closed by Tomcat's worker, as for any read timeout). Selected by
 * {@link HttpPortConfiguration}; the deadline is {@code service-a.http.request-header-timeout}.
 */
public class HeaderDeadlineProtocol extends Http11NioProtocol {

    private volatile long requestHeaderTimeoutNanos = TimeUnit.SECONDS.toNanos(10);
    private ScheduledFuture<?> sweep;

    public void setRequestHeaderTimeoutNanos(long nanos) {
        this.requestHeaderTimeoutNanos = nanos;
    }

    @Override
    public void start() throws Exception {
        super.start();
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), Math.min(TimeUnit.SECONDS.toNanos(1), requestHeaderTimeoutNanos / 10));
        sweep = getUtilityExecutor().scheduleWithFixedDelay(this::dropLateHeads, period, period, TimeUnit.NANOSECONDS);
    }

    @Override
    public void stop() throws Exception {
        if (sweep != null) {
            sweep.cancel(false);
        }
        super.stop();
    }

    private void dropLateHeads() {
        long now = System.nanoTime();
        for (SocketWrapperBase<NioChannel> socket : getEndpoint().getConnections()) {
            // A processor stays attached to a connection while its head is incomplete (stage PARSE while
            // it reads, ENDED while it waits for more); between requests it is released, and while a
            // request is served its stage is PREPARE to ENDOUTPUT.
            if (socket.getCurrentProcessor() instanceof AbstractProcessor processor) {
                Request request = processor.getRequest();
                int stage = request.getRequestProcessor().getStage();
                long since = request.getStartTimeNanos(); // the head's first byte; -1 before it
                if ((stage == Constants.STAGE_PARSE || stage == Constants.STAGE_ENDED || stage == Constants.STAGE_KEEPALIVE) && since != -1
                        && now - since >= requestHeaderTimeoutNanos) {
                    socket.setError(new SocketTimeoutException("request head not complete within the deadline"));
                    if (!getEndpoint().processSocket(socket, SocketEvent.ERROR, true)) {
                        socket.close();
                    }
                }
            }
        }
    }
}
