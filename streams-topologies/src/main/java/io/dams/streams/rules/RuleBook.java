package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.schemas.avro.Rule;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the evaluating tasks that the rules changed. The global thread ({@link RulesTable}) bumps {@link #version()}
 * after each change of the global {@code rules} store; each task compares it with the version of its own parsed
 * snapshot and reloads the store when it moved. One instance per built topology, shared by its processors through
 * their suppliers: a counter, because the global store is the truth and a restore fills it without any signal.
 */
final class RuleBook {

    private static final Logger LOG = LoggerFactory.getLogger(RuleBook.class);

    private final AtomicLong version = new AtomicLong();
    private final RulesMetrics metrics;

    RuleBook(RulesMetrics metrics) {
        this.metrics = metrics;
    }

    long version() {
        return version.get();
    }

    /** Called by the global thread after it changed the store. */
    void changed(int rules) {
        metrics.loaded.set(rules);
        version.incrementAndGet();
    }

    /**
     * The rules of the global store, parsed, by name. The table only holds records {@link RulesTable} accepted, so a
     * record that no longer parses here is skipped quietly (it was logged and counted when it arrived).
     */
    Map<String, AlertRule> load(ReadOnlyKeyValueStore<String, Rule> store) {
        Map<String, AlertRule> rules = new TreeMap<>();
        try (KeyValueIterator<String, Rule> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, Rule> entry;
                try {
                    entry = all.next();
                    rules.put(entry.key, AlertRule.fromAvro(entry.value));
                } catch (RuntimeException e) {
                    LOG.debug("a stored rule is skipped: {}", e.getMessage());
                }
            }
        }
        metrics.loaded.set(rules.size());
        return Collections.unmodifiableMap(rules);
    }
}
