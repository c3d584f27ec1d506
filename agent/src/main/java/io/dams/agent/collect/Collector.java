package io.dams.agent.collect;

import java.util.function.Consumer;

/** A source of samples that the agent asks once per collection tick. */
public interface Collector extends AutoCloseable {

    /** A short stable name for logs and self-metrics, e.g. {@code host} or {@code plugins}. */
    String name();

    /**
     * Emits this tick's samples to {@code sink}. Called from one thread at a time.
     *
     * @param timestampMs the tick's time, used for every sample that does not carry its own
     */
    void collect(long timestampMs, Consumer<CollectedSample> sink);

    /** Releases threads or handles; the default holds none. */
    @Override
    default void close() {
    }
}
