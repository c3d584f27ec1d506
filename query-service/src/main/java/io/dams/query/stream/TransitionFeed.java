package io.dams.query.stream;

import io.dams.schemas.avro.AlertTransition;
import java.util.function.Consumer;

/** Alert transitions as they happen, for the live feed. */
public interface TransitionFeed {

    /**
     * Calls {@code listener} with every transition from now on, on the feed's own thread: it must not block.
     *
     * @throws io.dams.query.fleet.StoreUnavailableException while the feed does not follow the topic yet
     */
    Subscription subscribe(Consumer<AlertTransition> listener);

    /** Stops the calls to one listener. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
