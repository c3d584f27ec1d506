package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.schemas.avro.Rule;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global {@code rules} store equal to {@code dams.rules}: a record puts its rule, a tombstone deletes it.
 * The value arrives as bytes and is decoded here, so that a record that cannot be decoded, or whose rule no longer
 * parses, is logged once with the rule's name and the reason, counted in {@code dams_rules_rejected_total{reason}} and
 * skipped (the store keeps the rule's last good version) instead of stopping the global thread. Kafka Streams also
 * runs this processor when it restores the store, so the store never holds a rejected record.
 */
final class RulesTable implements Processor<String, byte[], Void, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(RulesTable.class);

    private final Deserializer<Rule> rules;
    private final RuleBook book;
    private final RulesMetrics metrics;
    private KeyValueStore<String, Rule> store;

    RulesTable(Deserializer<Rule> rules, RuleBook book, RulesMetrics metrics) {
        this.rules = rules;
        this.book = book;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        store = context.getStateStore(RulesTopology.RULES_STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String name = record.key();
        if (name == null) {
            metrics.invalidRules.increment();
            LOG.warn("a dams.rules record without a key (rule name) is skipped");
            return;
        }
        if (record.value() == null) {
            if (store.delete(name) != null) {
                LOG.info("rule {} deleted", name);
            }
            book.changed(count());
            return;
        }
        Rule rule;
        try {
            rule = rules.deserialize(RulesTopology.RULES_TOPIC, record.value());
        } catch (RuntimeException e) {
            metrics.undecodableRules.increment();
            LOG.warn("rule {}: the dams.rules record cannot be decoded ({}); skipped, the rule keeps its last good"
                    + " version", name, e.getMessage());
            return;
        }
        try {
            if (!name.equals(rule.getName())) {
                throw new IllegalArgumentException("the record's key differs from the rule's name " + rule.getName());
            }
            AlertRule.fromAvro(rule);
        } catch (RuntimeException e) {
            metrics.invalidRules.increment();
            LOG.warn("rule {} is invalid ({}); skipped, the rule keeps its last good version", name,
                    e.getMessage().replace('\n', ' '));
            return;
        }
        store.put(name, rule);
        LOG.info("rule {} loaded: {}", name, rule.getCondition());
        book.changed(count());
    }

    /** Rules are few (tens, hundreds): counting them exactly is cheap, unlike RocksDB's estimate. */
    private int count() {
        int n = 0;
        try (KeyValueIterator<String, Rule> all = store.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }
}
