package dev.lab1.serviceb.call;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.TraceContext;
import io.micrometer.tracing.Tracer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Every answer of {@code /call-echo}, whoever gives it (the controller, B's error page, the web
 * server rejecting a malformed request), is one tick of {@code call_echo_outcomes_total} and one
 * log line, both written here.
 */
@Component
public class CallEchoOutcomes {

    public static final String PATH = "/call-echo";

    private static final Logger log = LoggerFactory.getLogger(CallEchoController.class);

    private final Map<Reason, Counter> counters = new EnumMap<>(Reason.class);
    private final Tracer tracer;

    CallEchoOutcomes(MeterRegistry meters, Tracer tracer) {
        this.tracer = tracer;
        for (Reason reason : Reason.values()) {
            counters.put(reason, Counter.builder("call.echo.outcomes")
                    .description("Answers of /call-echo, by reason")
                    .tag("reason", reason.label())
                    .register(meters));
        }
    }

    /** A request of /call-echo refused before the controller (bad method, malformed query, too large): a 4xx, bad_request. */
    public void rejected(int httpStatus, String error, long startNanos) {
        record(CallResult.badRequest(error), httpStatus, startNanos, currentTrace());
    }

    TraceContext currentTrace() {
        return tracer.currentTraceContext().context();
    }

    void record(CallResult result, int httpStatus, long startNanos, TraceContext trace) {
        counters.get(result.reason()).increment();
        long latencyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        String traceIds = trace == null ? "" : " trace_id=" + trace.traceId() + " span_id=" + trace.spanId();
        Reason reason = result.reason();
        if (reason == Reason.OK) {
            log.info("service=B endpoint=/call-echo status=ok http=200 reason=ok latency_ms={}{}", latencyMs, traceIds);
        } else {
            // msg is never logged; texts that are not B's own are quoted, so nothing can split the line.
            log.info("service=B endpoint=/call-echo status=error http={} reason={} error={} latency_ms={}{}{}",
                    httpStatus, reason.label(), LogValue.quote(result.error()), latencyMs, traceIds,
                    result.detail() == null ? "" : " detail=" + LogValue.quote(result.detail()));
        }
    }
}
