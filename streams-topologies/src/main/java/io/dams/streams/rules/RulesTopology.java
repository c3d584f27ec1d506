package io.dams.streams.rules;

import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.topics.Topics;
import io.dams.streams.BatchEventTime;
import io.dams.streams.TopicSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The rules job: {@code dams.metrics.samples} evaluated against the rules of {@code dams.rules} → one state machine
 * per alert (rule × group: inactive → pending → firing → resolved) → {@code dams.alerts.transitions}, keyed by
 * alert_id.
 *
 * <pre>
 *   rules-source → rules-table (global store "rules")
 *   samples-source → asset-rules ─┬→ asset-transitions → asset-transitions-sink
 *                  (rule-assets)  └→ rule-groups (repartition by rule and group) → group-rules → group-transitions-sink
 *                                                          (rule-group-series, rule-group-alerts)
 * </pre>
 *
 * <p><b>Rules are a global store</b>, not a table co-partitioned with the samples: every task needs every rule (any
 * rule may select any asset's series), rules are few (tens to hundreds of small records), and co-partitioning them
 * by asset would mean copying each rule to every partition. {@link RulesTable} keeps the store equal to the topic
 * and skips, counts and logs a record that cannot be decoded or parsed, so a bad rule never stops a thread. Each
 * task keeps a parsed snapshot and reloads it when {@link RuleBook}'s version moves (or on start, from the store
 * itself, which a restore fills).
 *
 * <p><b>Per-asset rules</b> ({@link AssetRuleEvaluator}) run where the samples already are: the samples topic is
 * keyed by asset_id, so one store entry per asset holds the points its rules need and its alerts, with no
 * repartition. <b>{@code by (...)} rules</b> aggregate across assets: the per-asset step forwards their selected
 * samples keyed by rule and group through the {@code rule-groups} repartition topic to {@link GroupRuleEvaluator},
 * which holds each group in one task and evaluates it every {@code checkInterval} of wall-clock time.
 *
 * <p><b>Wall clock.</b> Stream time does not move for a silent asset, so {@code absent(...)}, the staleness of a
 * silent asset's alerts and the evaluation of groups run on wall-clock punctuation ({@code checkInterval}), at the
 * event time of the last data plus the wall-clock time since it arrived. A rule change (threshold, duration, override,
 * deletion) reaches the live alerts without a restart: at the latest at the next check, every alert of the changed
 * rule is re-evaluated, and a deleted rule's alerts end (firing → resolved, pending → inactive) and their state goes.
 */
public final class RulesTopology {

    public static final String RULES_SOURCE = "rules-source";
    public static final String RULES_TABLE = "rules-table";
    public static final String SAMPLES_SOURCE = "samples-source";
    public static final String ASSET_RULES = "asset-rules";
    public static final String ASSET_TRANSITIONS = "asset-transitions";
    public static final String ASSET_TRANSITIONS_SINK = "asset-transitions-sink";
    /** The repartition topic is {@code <application.id>-rule-groups-repartition}. */
    public static final String GROUPS_REPARTITION = "rule-groups";
    public static final String GROUP_RULES = "group-rules";
    public static final String GROUP_TRANSITIONS_SINK = "group-transitions-sink";

    /** The global store: rule name → rule (only records that decode and parse). */
    public static final String RULES_STORE = "rules";
    public static final String ASSETS_STORE = AssetRuleEvaluator.STORE;
    public static final String GROUP_SERIES_STORE = GroupRuleEvaluator.SERIES_STORE;
    public static final String GROUP_ALERTS_STORE = GroupRuleEvaluator.ALERTS_STORE;

    static final String RULES_TOPIC = Topics.RULES.name();

    private RulesTopology() {
    }

    public static Topology build(RulesSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        RulesMetrics metrics = new RulesMetrics(registry);
        RuleBook book = new RuleBook(metrics);
        Serde<MetricBatch> samples = serdes.valueSerde(Topics.METRICS_SAMPLES);
        Serde<Rule> rules = serdes.valueSerde(Topics.RULES);
        Serde<AlertTransition> transitions = serdes.valueSerde(Topics.ALERTS_TRANSITIONS);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(AssetRuleEvaluator.store());
        builder.addStateStore(GroupRuleEvaluator.seriesStore());
        builder.addStateStore(GroupRuleEvaluator.alertsStore());

        // A new deployment starts at the end of the samples: replaying a day of history would only raise and resolve
        // alerts that are long over. After that, committed offsets decide.
        KStream<String, Object> evaluated = builder
                .stream(Topics.METRICS_SAMPLES.name(), Consumed.with(Serdes.String(), samples)
                        .withTimestampExtractor(new BatchEventTime())
                        .withOffsetResetPolicy(AutoOffsetReset.latest())
                        .withName(SAMPLES_SOURCE))
                .process(() -> new AssetRuleEvaluator(settings, book, metrics), Named.as(ASSET_RULES),
                        ASSETS_STORE);
        evaluated.split(Named.as(ASSET_RULES + "-"))
                .branch((key, value) -> value instanceof AlertTransition, Branched.withConsumer(s -> s
                        .mapValues(value -> (AlertTransition) value, Named.as(ASSET_TRANSITIONS))
                        .to(Topics.ALERTS_TRANSITIONS.name(), Produced.with(Serdes.String(), transitions)
                                .withName(ASSET_TRANSITIONS_SINK)), "transitions"))
                .defaultBranch(Branched.withConsumer(s -> s
                        .mapValues(value -> (GroupSamples) value, Named.as(ASSET_RULES + "-group-samples-cast"))
                        .repartition(Repartitioned.<String, GroupSamples>as(
                                GROUPS_REPARTITION).withKeySerde(Serdes.String())
                                .withValueSerde(new GroupSamples.Serde()))
                        .process(() -> new GroupRuleEvaluator(settings, book, metrics), Named.as(GROUP_RULES),
                                GROUP_SERIES_STORE, GROUP_ALERTS_STORE)
                        .to(Topics.ALERTS_TRANSITIONS.name(), Produced.with(Serdes.String(), transitions)
                                .withName(GROUP_TRANSITIONS_SINK)), "group-samples"));

        Topology topology = builder.build();
        topology.addGlobalStore(rulesStore(rules), RULES_SOURCE, new UsePartitionTimeOnInvalidTimestamp(),
                Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), RULES_TOPIC, RULES_TABLE,
                () -> new RulesTable(rules.deserializer(), book, metrics));
        return topology;
    }

    /** Global stores have no changelog: {@code dams.rules} itself is what they restore from. */
    private static StoreBuilder<KeyValueStore<String, Rule>> rulesStore(Serde<Rule> rules) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(RULES_STORE), Serdes.String(), rules)
                .withLoggingDisabled();
    }
}
