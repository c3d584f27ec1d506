package io.dams.agent.collect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Holds samples that local programs push to the agent in Prometheus text until the next batch takes them, either
 * through {@link #drain()} or as a {@link Collector} whose tick drains it.
 *
 * <p>Bounded in samples: a body that would take the buffer past its capacity is refused whole, so that the pusher can
 * retry it whole after the next send without doubling what was kept. Within an accepted body every good line is kept
 * and every bad line is reported. Samples without a timestamp get the time they arrived.
 *
 * <p>Memory: a held sample costs about 200 to 500 bytes (its record, label map and strings), so the capacity is what
 * keeps a chatty pusher from costing the agent its memory budget. Bodies over {@value #MAX_BODY_BYTES} bytes are
 * refused before parsing.
 *
 * <p>Self-metrics: {@code dams.agent.push.samples{result=accepted|invalid|refused}} and the gauge
 * {@code dams.agent.push.buffered}.
 */
public final class PushBuffer implements Collector {

    /** The largest body parsed; larger ones are refused unread. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private final int capacity;
    private final Counter accepted;
    private final Counter invalid;
    private final Counter refused;
    private List<CollectedSample> held = new ArrayList<>();

    /**
     * What became of a body. An HTTP route can answer 429 or 503 (retry later) when {@code full}, 400 when there are
     * errors, 200 otherwise; with errors, the good lines were still accepted.
     *
     * @param accepted samples now held
     * @param errors   one line per problem: bad lines ({@code line 3: expected '=' after label name}) or why the
     *                 whole body was refused
     * @param full     true when the body was refused for lack of room; sending it again after the next batch can work
     */
    public record Receipt(int accepted, List<String> errors, boolean full) {

        public Receipt {
            errors = List.copyOf(errors);
        }
    }

    /** @param capacity the most samples held between two batches; 0 refuses every push */
    public PushBuffer(int capacity, MeterRegistry registry) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity cannot be negative: " + capacity);
        }
        this.capacity = capacity;
        this.accepted = samples(registry, "accepted");
        this.invalid = samples(registry, "invalid");
        this.refused = samples(registry, "refused");
        Gauge.builder("dams.agent.push.buffered", this, PushBuffer::size)
                .description("Pushed samples waiting for the next batch").register(registry);
    }

    /** Parses a Prometheus text body and keeps its good samples, or refuses it whole when it does not fit. */
    public Receipt accept(byte[] body, long nowMs) {
        if (capacity == 0) {
            return new Receipt(0, List.of("pushing is disabled on this agent (health.pushCapacity is 0)"), false);
        }
        if (body.length > MAX_BODY_BYTES) {
            return new Receipt(0, List.of("body of " + body.length + " bytes exceeds the limit of " + MAX_BODY_BYTES
                    + " bytes; push smaller bodies"), false);
        }
        PrometheusTextParser.Result parsed = PrometheusTextParser.parse(body, nowMs);
        List<String> errors = new ArrayList<>(parsed.errors().size() + 1);
        parsed.errors().forEach(e -> errors.add(e.toString()));
        if (parsed.errorCount() > parsed.errors().size()) {
            errors.add((parsed.errorCount() - parsed.errors().size()) + " more bad lines not listed");
        }
        invalid.increment(parsed.errorCount());
        int count = parsed.samples().size();
        synchronized (this) {
            if (held.size() + count > capacity) {
                refused.increment(count);
                errors.add(0, "push buffer full: it holds " + held.size() + " of " + capacity + " samples and this body"
                        + " has " + count + "; retry after the next batch is sent");
                return new Receipt(0, errors, true);
            }
            held.addAll(parsed.samples());
        }
        accepted.increment(count);
        return new Receipt(count, errors, false);
    }

    @Override
    public String name() {
        return "push";
    }

    /** Hands everything pushed since the last tick to {@code sink}; the samples keep the time they arrived with. */
    @Override
    public void collect(long timestampMs, Consumer<CollectedSample> sink) {
        drain().forEach(sink);
    }

    /** Everything pushed since the last drain, in arrival order; the buffer is empty afterwards. */
    public synchronized List<CollectedSample> drain() {
        List<CollectedSample> drained = held;
        held = new ArrayList<>();
        return Collections.unmodifiableList(drained);
    }

    /** Samples now held. */
    public synchronized int size() {
        return held.size();
    }

    private static Counter samples(MeterRegistry registry, String result) {
        return Counter.builder("dams.agent.push.samples").tag("result", result)
                .description("Pushed samples by what became of them").register(registry);
    }
}
