package io.dams.query;

import io.dams.query.stream.TransitionFeed;
import io.dams.schemas.avro.AlertTransition;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Transitions published by the test itself, for the query service's own tests. */
public final class FakeTransitionFeed implements TransitionFeed {

    private final List<Consumer<AlertTransition>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public Subscription subscribe(Consumer<AlertTransition> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    public void publish(AlertTransition transition) {
        listeners.forEach(l -> l.accept(transition));
    }

    public int subscribers() {
        return listeners.size();
    }
}
