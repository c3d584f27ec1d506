package io.dams.streams.alerting;

import static io.dams.streams.alerting.AlertFixtures.REGION;
import static io.dams.streams.alerting.AlertFixtures.RULE;
import static io.dams.streams.alerting.AlertFixtures.firing;
import static io.dams.streams.alerting.AlertFixtures.grouped;
import static io.dams.streams.alerting.AlertFixtures.matcher;
import static io.dams.streams.alerting.AlertFixtures.resolved;
import static io.dams.streams.alerting.AlertFixtures.silence;
import static io.dams.streams.alerting.AlertFixtures.silenceMatching;
import static io.dams.streams.alerting.AlertFixtures.silenceOf;
import static io.dams.streams.alerting.AlertFixtures.transition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlainAvroSerdes;
import io.dams.streams.TestDrivers;
import io.dams.streams.iq.AlertView;
import io.dams.streams.iq.LocalStores;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rocksdb.Options;

class AlertingTopologyTest {

    static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
    static final long T = START.toEpochMilli();
    static final String GROUP = RULE + "/region=" + REGION;
    static final AlertingSettings SETTINGS = AlertingSettings.defaults();
    static final Duration WAIT = SETTINGS.groupWait();
    static final Duration INTERVAL = SETTINGS.groupInterval();
    static final Duration REPEAT = SETTINGS.repeatInterval();
    static final Duration MS = Duration.ofMillis(1);

    @TempDir
    Path stateDir;

    final PlainAvroSerdes serdes = new PlainAvroSerdes();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TopologyTestDriver driver;
    TestInputTopic<String, AlertTransition> transitions;
    TestInputTopic<String, Silence> silences;
    TestOutputTopic<String, Notification> notifications;
    /** The driver's wall clock: where its start and the advances so far put it. */
    long wallClock;

    void start(AlertingSettings settings, Path dir, Instant wallClock) {
        this.wallClock = wallClock.toEpochMilli();
        Properties properties = TestDrivers.properties("dams-alerting-test", dir, meters);
        // The driver flushes the stores at every commit (after each record and punctuation); without compactions
        // nothing else touches their files, so a copy of them is a consistent state (see firstTwoNotifications).
        properties.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, NoCompactions.class);
        driver = new TopologyTestDriver(AlertingTopology.build(settings, serdes, meters), properties, wallClock);
        transitions = driver.createInputTopic(Topics.ALERTS_TRANSITIONS.name(), new StringSerializer(),
                serdes.valueSerde(Topics.ALERTS_TRANSITIONS).serializer());
        silences = driver.createInputTopic(Topics.SILENCES.name(), new StringSerializer(),
                serdes.valueSerde(Topics.SILENCES).serializer());
        notifications = driver.createOutputTopic(Topics.ALERTS_NOTIFICATIONS.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.ALERTS_NOTIFICATIONS).deserializer());
    }

    void start() {
        start(SETTINGS, stateDir, START);
    }

    @AfterEach
    void closeDriver() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void shouldSendTheFirstNotificationOfANewGroupAfterGroupWaitAndNotBefore() {
        start();
        send(firing("a1", "web-1", T));

        advance(WAIT.minus(MS));
        assertThat(notifications.isEmpty()).as("nothing before group_wait").isTrue();
        advance(MS);

        List<Notification> out = notifications.readValuesToList();
        assertThat(out).hasSize(1);
        Notification n = out.get(0);
        assertThat(n.getGroupKey()).isEqualTo(GROUP);
        assertThat(n.getStatus()).isEqualTo(NotificationStatus.FIRING);
        assertThat(n.getRuleName()).isEqualTo(RULE);
        assertThat(n.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(n.getGroupLabels()).isEqualTo(Map.of("region", REGION));
        assertThat(n.getChannels()).containsExactly("slack", "email");
        assertThat(n.getCreatedAt()).isEqualTo(T + WAIT.toMillis());
        assertThat(n.getNotificationId()).matches("[0-9a-f]{32}");
        NotifiedAlert alert = n.getAlerts().get(0);
        assertThat(alert.getAlertId()).isEqualTo("a1");
        assertThat(alert.getState()).isEqualTo(AlertState.FIRING);
        assertThat(alert.getLabels()).isEqualTo(Map.of("asset_id", "web-1", "region", REGION, "alertname", RULE,
                "severity", "warning"));
        assertThat(alert.getAnnotations()).isEqualTo(Map.of("summary", "CPU above 90%"));
        assertThat(alert.getStartsAt()).isEqualTo(T);
        assertThat(alert.getEndsAt()).isNull();
        assertThat(alert.getValue()).isEqualTo(93.5);
        assertThat(notificationsCounted("firing")).isEqualTo(1);
    }

    @Test
    void shouldSendAtOnceWhileProcessingTheTransitionWhenGroupWaitIsZero() {
        start(SETTINGS.withTimers(Duration.ZERO, INTERVAL, REPEAT), stateDir, START);

        send(firing("a1", "web-1", T));

        // No wall-clock time passed and no punctuation ran: the notification came out of process().
        assertThat(notifications.readValuesToList()).singleElement()
                .satisfies(n -> assertThat(n.getCreatedAt()).isEqualTo(T))
                .satisfies(n -> assertThat(alertIds(n)).containsExactly("a1"));
        send(firing("a2", "web-2", T + 1));
        assertThat(notifications.isEmpty()).as("a change waits for group_interval").isTrue();
    }

    @Test
    void shouldAddASecondAlertOfTheGroupToTheNextFlushAfterGroupIntervalAndNotEarlier() {
        start();
        send(firing("a1", "web-1", T));
        advance(WAIT);
        assertThat(notifications.readValuesToList()).singleElement()
                .satisfies(n -> assertThat(alertIds(n)).containsExactly("a1"));

        advance(Duration.ofSeconds(10));
        send(firing("a2", "web-2", T + 40_000));
        advance(INTERVAL.minusSeconds(10).minus(MS));
        assertThat(notifications.isEmpty()).as("nothing before group_interval after the last one").isTrue();
        advance(MS);

        Notification second = notifications.readValue();
        assertThat(second.getStatus()).isEqualTo(NotificationStatus.FIRING);
        assertThat(alertIds(second)).containsExactly("a1", "a2");
        assertThat(second.getCreatedAt()).isEqualTo(T + WAIT.toMillis() + INTERVAL.toMillis());
        assertThat(notifications.isEmpty()).isTrue();
    }

    @Test
    void shouldSendAnUnchangedFiringGroupAgainAfterRepeatInterval() {
        start();
        send(firing("a1", "web-1", T));
        advance(WAIT);
        Notification first = notifications.readValue();

        advance(INTERVAL);
        assertThat(notifications.isEmpty()).as("no change, nothing at group_interval").isTrue();
        advance(REPEAT.minus(INTERVAL).minus(MS));
        assertThat(notifications.isEmpty()).isTrue();
        advance(MS);

        Notification again = notifications.readValue();
        assertThat(alertIds(again)).containsExactly("a1");
        assertThat(again.getStatus()).isEqualTo(NotificationStatus.FIRING);
        assertThat(again.getNotificationId()).isNotEqualTo(first.getNotificationId());
        assertThat(again.getCreatedAt()).isEqualTo(first.getCreatedAt() + REPEAT.toMillis());
    }

    @Test
    void shouldSendOneResolvedNotificationOnceEveryAlertResolvedAndThenForgetTheGroup() {
        start();
        send(firing("a1", "web-1", T));
        send(firing("a2", "web-2", T));
        advance(WAIT);
        assertThat(alertIds(notifications.readValue())).containsExactly("a1", "a2");

        send(resolved("a1", "web-1", T + 60_000));
        advance(INTERVAL);
        Notification partly = notifications.readValue();
        assertThat(partly.getStatus()).as("one alert still fires").isEqualTo(NotificationStatus.FIRING);
        assertThat(partly.getAlerts()).extracting(NotifiedAlert::getAlertId, NotifiedAlert::getState,
                NotifiedAlert::getEndsAt).containsExactly(
                tuple("a1", AlertState.RESOLVED, T + 60_000),
                tuple("a2", AlertState.FIRING, null));

        send(resolved("a2", "web-2", T + 400_000));
        advance(INTERVAL);
        Notification resolvedAll = notifications.readValue();
        assertThat(resolvedAll.getStatus()).isEqualTo(NotificationStatus.RESOLVED);
        assertThat(alertIds(resolvedAll)).as("a1's resolution was already sent").containsExactly("a2");
        assertThat(groups().get(GROUP)).as("the group is forgotten").isNull();
        assertThat(meters.get(AlertingMetrics.GROUPS).gauge().value()).isZero();

        advance(REPEAT);
        assertThat(notifications.isEmpty()).isTrue();
        assertThat(notificationsCounted("resolved")).isEqualTo(1);
    }

    @Test
    void shouldSendNothingForAnAlertThatFiredAndResolvedWithinGroupWait() {
        start();
        send(firing("a1", "web-1", T));
        advance(Duration.ofSeconds(5));
        send(resolved("a1", "web-1", T + 5_000));
        advance(WAIT);
        advance(REPEAT);

        assertThat(notifications.isEmpty()).isTrue();
        assertThat(groups().get(GROUP)).isNull();
    }

    @Test
    void shouldChangeNothingForATransitionThatRepeatsWhatIsKnownOrIsOlder() {
        start();
        send(firing("a1", "web-1", T));
        send(firing("a1", "web-1", T));
        send(firing("a1", "web-1", T - 10_000));
        send(resolved("a1", "web-1", T - 5_000));

        assertThat(transitionsCounted("accepted")).isEqualTo(1);
        assertThat(transitionsCounted("duplicate")).isEqualTo(2);
        assertThat(transitionsCounted("stale")).isEqualTo(1);
        ActiveAlert known = active().get("a1");
        assertThat(known.state()).isEqualTo(AlertState.FIRING);
        assertThat(known.updatedAt()).isEqualTo(T);

        advance(WAIT);
        assertThat(notifications.readValuesToList()).singleElement()
                .satisfies(n -> assertThat(alertIds(n)).containsExactly("a1"));
        send(firing("a1", "web-1", T));
        advance(INTERVAL);
        assertThat(notifications.isEmpty()).as("a replay after the notification is no change").isTrue();
    }

    @Test
    void shouldKeepPendingAlertsInTheStoreAndNeverNotifyThem() {
        start();
        send(transition("a1", "web-1", AlertState.INACTIVE, AlertState.PENDING, T));
        advance(WAIT);
        advance(INTERVAL);

        assertThat(notifications.isEmpty()).isTrue();
        assertThat(groups().get(GROUP)).isNull();
        AlertView view = queries().alert("a1").orElseThrow();
        assertThat(view.state()).isEqualTo("pending");
        assertThat(view.firingSince()).isNull();
        assertThat(view.activeSince()).isEqualTo(T - 60_000);

        send(transition("a1", "web-1", AlertState.PENDING, AlertState.INACTIVE, T + 20_000));
        advance(WAIT);
        assertThat(notifications.isEmpty()).isTrue();
        assertThat(queries().alerts()).as("an inactive alert is not shown").isEmpty();
    }

    @Test
    void shouldMuteAnAlertSilencedByIdAndNotifyItAtTheNextFlushOnceTheSilenceExpires() {
        start();
        long ends = T + Duration.ofMinutes(10).toMillis();
        silences.pipeInput("s1", silenceOf("s1", "a1", T - 1, ends));
        send(firing("a1", "web-1", T));
        advance(WAIT);
        advance(INTERVAL);
        assertThat(notifications.isEmpty()).as("silenced").isTrue();
        assertThat(meters.get(AlertingMetrics.MUTED).counter().count()).isEqualTo(1);
        assertThat(queries().alert("a1").orElseThrow().silencedBy()).containsExactly("s1");

        advance(Duration.ofMillis(ends - T).minus(WAIT).minus(INTERVAL).minus(MS));
        assertThat(notifications.isEmpty()).isTrue();
        advance(MS);

        Notification n = notifications.readValue();
        assertThat(alertIds(n)).containsExactly("a1");
        assertThat(n.getCreatedAt()).isEqualTo(ends);
        assertThat(queries().alert("a1").orElseThrow().silencedBy()).isEmpty();
    }

    @Test
    void shouldNotifyAMutedAlertAtTheNextFlushOnceItsSilenceIsDeleted() {
        start();
        silences.pipeInput("s1", silenceOf("s1", "a1", T - 1, T + Duration.ofHours(2).toMillis()));
        send(firing("a1", "web-1", T));
        advance(WAIT);
        assertThat(notifications.isEmpty()).isTrue();

        silences.pipeInput("s1", (Silence) null);
        assertThat(notifications.isEmpty()).as("sent by the next check, not at the deletion").isTrue();
        advance(SETTINGS.checkInterval());

        assertThat(alertIds(notifications.readValue())).containsExactly("a1");
        assertThat(silencesCounted("deleted")).isEqualTo(1);
    }

    static Stream<Arguments> matchers() {
        return Stream.of(
                Arguments.of(matcher("asset_id", MatchOp.EQ, "web-1"), List.of("a2", "a3")),
                Arguments.of(matcher("asset_id", MatchOp.NEQ, "web-1"), List.of("a1")),
                Arguments.of(matcher("asset_id", MatchOp.RE, "web-.*"), List.of("a3")),
                Arguments.of(matcher("asset_id", MatchOp.RE, "web"), List.of("a1", "a2", "a3")),
                Arguments.of(matcher("asset_id", MatchOp.NRE, "web-.*"), List.of("a1", "a2")),
                Arguments.of(matcher("team", MatchOp.EQ, ""), List.of()),
                Arguments.of(matcher("severity", MatchOp.EQ, "critical"), List.of("a1", "a2", "a3")));
    }

    @ParameterizedTest(name = "{0} leaves {1}")
    @MethodSource("matchers")
    void shouldMuteTheAlertsWhoseLabelsPassEveryMatcherOfASilence(LabelMatcher m, List<String> notified) {
        start();
        // alertname=high-cpu passes for every alert: only the matcher under test decides.
        silences.pipeInput("s1", silenceMatching("s1", T - 1, T + 3_600_000,
                matcher("alertname", MatchOp.EQ, RULE), m));
        send(firing("a1", "web-1", T));
        send(firing("a2", "web-2", T));
        send(firing("a3", "db-1", T));
        advance(WAIT);

        List<String> sent = notifications.readValuesToList().stream().flatMap(n -> alertIds(n).stream()).toList();
        assertThat(sent).containsExactlyElementsOf(notified);
    }

    @Test
    void shouldNotSendTheResolutionOfAnAlertSilencedWhileItFired() {
        start();
        send(firing("a1", "web-1", T));
        advance(WAIT);
        assertThat(alertIds(notifications.readValue())).containsExactly("a1");

        silences.pipeInput("s1", silenceMatching("s1", T, T + Duration.ofHours(8).toMillis(),
                matcher("alertname", MatchOp.EQ, RULE), matcher("asset_id", MatchOp.EQ, "web-1")));
        advance(Duration.ofMinutes(1));
        send(resolved("a1", "web-1", T + 90_000));
        advance(INTERVAL);
        advance(REPEAT);

        assertThat(notifications.isEmpty()).isTrue();
        assertThat(groups().get(GROUP)).isNull();
    }

    @Test
    void shouldAnnounceAgainAnAlertWhoseSilenceEndedWhileItStillFires() {
        start();
        send(firing("a1", "web-1", T));
        advance(WAIT);
        Notification first = notifications.readValue();

        long ends = T + Duration.ofMinutes(20).toMillis();
        silences.pipeInput("s1", silenceOf("s1", "a1", T, ends));
        advance(Duration.ofMillis(ends - T).minus(WAIT).minus(MS));
        assertThat(notifications.isEmpty()).isTrue();
        advance(MS);

        Notification again = notifications.readValue();
        assertThat(alertIds(again)).containsExactly("a1");
        assertThat(again.getNotificationId()).isNotEqualTo(first.getNotificationId());
    }

    @Test
    void shouldGroupAlertsByRuleAndRegionAndAlertsWithoutRegionByTheirGroupLabels() {
        start(SETTINGS.withTimers(Duration.ZERO, INTERVAL, REPEAT), stateDir, START);
        send(firing("a1", "web-1", T));
        send(transition("b1", RULE, "web-9", "us-east-1", AlertState.PENDING, AlertState.FIRING, T));
        send(transition("c1", "disk-full", "web-1", REGION, AlertState.PENDING, AlertState.FIRING, T));
        send(grouped("d1", "site-down", Map.of("site", "lyon"), AlertState.PENDING, AlertState.FIRING, T));
        send(grouped("e1", "site-down", Map.of("site", "la défense"), AlertState.PENDING, AlertState.FIRING, T));

        assertThat(notifications.readValuesToList()).extracting(Notification::getGroupKey).containsExactly(
                GROUP, RULE + "/region=us-east-1", "disk-full/region=" + REGION, "site-down/site=lyon",
                "site-down/site=\"la défense\"");
        assertThat(meters.get(AlertingMetrics.GROUPS).gauge().value()).isEqualTo(5);
    }

    @Test
    void shouldRemoveResolvedAlertsFromTheStoreAfterTheResolvedRetention() {
        start();
        send(firing("a1", "web-1", T));
        send(firing("a2", "web-2", T));
        send(resolved("a1", "web-1", T + 60_000));
        assertThat(queries().alert("a1").orElseThrow().state()).isEqualTo("resolved");
        assertThat(queries().alert("a1").orElseThrow().resolvedAt()).isEqualTo(T + 60_000);

        advance(Duration.ofMinutes(1).plus(SETTINGS.resolvedRetention()).minus(MS));
        assertThat(active().get("a1")).isNotNull();
        advance(MS);

        assertThat(active().get("a1")).isNull();
        assertThat(queries().alerts()).extracting(AlertView::alertId).containsExactly("a2");
    }

    @Test
    void shouldGiveTheSameNotificationIdsForTheSameInputAndRepeatNothingAfterARestart() throws IOException {
        Path a = stateDir.resolve("a");
        Path b = stateDir.resolve("b");
        Path restarted = stateDir.resolve("restarted");
        List<String> first = firstTwoNotifications(a, restarted);
        List<String> replayed = firstTwoNotifications(b, stateDir.resolve("unused"));
        assertThat(replayed).as("deterministic").isEqualTo(first);
        assertThat(first).doesNotHaveDuplicates();

        // A new process over the state the first one left: the group and what it last sent survive.
        meters = new SimpleMeterRegistry();
        start(SETTINGS, restarted, START.plus(WAIT).plus(INTERVAL).plusSeconds(1));
        assertThat(groups().get(GROUP)).as("state survived").isNotNull();
        advance(SETTINGS.checkInterval());
        send(firing("a2", "web-2", T + 40_000));
        advance(INTERVAL);
        assertThat(notifications.isEmpty()).as("nothing sent again").isTrue();

        send(resolved("a1", "web-1", T + 600_000));
        advance(INTERVAL);
        Notification third = notifications.readValue();
        assertThat(third.getAlerts()).extracting(NotifiedAlert::getAlertId, NotifiedAlert::getState).containsExactly(
                tuple("a1", AlertState.RESOLVED),
                tuple("a2", AlertState.FIRING));
        assertThat(third.getNotificationId()).isNotIn(first)
                .isEqualTo(AlertGroup.notificationId(GROUP, "a1", T, 3));
    }

    /**
     * Runs the first two notifications of a group in a new driver over {@code dir} and keeps a copy of the state it
     * committed in {@code copy}: {@code TopologyTestDriver.close()} deletes its state directory, and the driver
     * commits (flushes its stores and checkpoints) after every record and punctuation.
     */
    private List<String> firstTwoNotifications(Path dir, Path copy) throws IOException {
        meters = new SimpleMeterRegistry();
        start(SETTINGS, dir, START);
        send(firing("a1", "web-1", T));
        advance(WAIT);
        send(firing("a2", "web-2", T + 40_000));
        advance(INTERVAL);
        List<String> ids = notifications.readValuesToList().stream().map(Notification::getNotificationId).toList();
        assertThat(ids).hasSize(2);
        copyTree(dir, copy);
        driver.close();
        driver = null;
        return ids;
    }

    /** Keeps RocksDB from rewriting its files in the background. */
    public static final class NoCompactions implements RocksDBConfigSetter {
        @Override
        public void setConfig(String storeName, Options options, Map<String, Object> configs) {
            options.setDisableAutoCompactions(true);
        }

        @Override
        public void close(String storeName, Options options) {
        }
    }

    /** The state directory's and RocksDB's lock files belong to the process that holds them. */
    private static boolean isLock(String fileName) {
        return fileName.endsWith(".lock") || fileName.equals("LOCK");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!isLock(p.getFileName().toString())) {
                    Files.copy(p, target);
                }
            }
        }
    }

    @Test
    void shouldCountAndSkipBadTransitionsAndSilencesAndKeepProcessing() {
        start(SETTINGS.withTimers(Duration.ZERO, INTERVAL, REPEAT), stateDir, START);
        TestInputTopic<String, byte[]> garbageTransitions = driver.createInputTopic(
                Topics.ALERTS_TRANSITIONS.name(), new StringSerializer(), new ByteArraySerializer());
        TestInputTopic<String, byte[]> garbageSilences = driver.createInputTopic(Topics.SILENCES.name(),
                new StringSerializer(), new ByteArraySerializer());

        garbageTransitions.pipeInput("a1", "not avro \u0000\u00ff".getBytes(StandardCharsets.UTF_8), T);
        transitions.pipeInput("other-key", firing("a1", "web-1", T), T);
        garbageSilences.pipeInput("s1", "not avro either".getBytes(StandardCharsets.UTF_8), T);
        silences.pipeInput("s2", silenceOf("s2", "a1", T + 1000, T + 1000));
        silences.pipeInput("s3", silence("s3", null, List.of(), T, T + 3_600_000));
        silences.pipeInput("s4", silenceMatching("s4", T, T + 3_600_000, matcher("asset_id", MatchOp.RE, "web-(")));
        silences.pipeInput("s5", silenceOf("s6", "a1", T, T + 3_600_000));
        send(firing("a1", "web-1", T));

        assertThat(transitionsCounted("undecodable")).isEqualTo(1);
        assertThat(transitionsCounted("invalid")).isEqualTo(1);
        assertThat(silencesCounted("undecodable")).isEqualTo(1);
        assertThat(silencesCounted("invalid")).isEqualTo(4);
        assertThat(silencesCounted("stored")).isZero();
        assertThat(alertIds(notifications.readValue())).as("no bad silence mutes it").containsExactly("a1");
        assertThat(transitionsCounted("accepted")).isEqualTo(1);
    }

    @Test
    void shouldNameItsNodesStoresAndRepartitionTopicAfterTheDesign() {
        String description = AlertingTopology.build(SETTINGS, serdes, meters).describe().toString();

        assertThat(description).contains(AlertingTopology.TRANSITIONS_SOURCE, AlertingTopology.TRACKER,
                AlertingTopology.GROUPER, AlertingTopology.NOTIFICATIONS_SINK, AlertingTopology.SILENCES_SOURCE,
                "stores: [" + AlertingTopology.ACTIVE_STORE + "]", "stores: [" + AlertingTopology.GROUPS_STORE + "]",
                "topics: [" + AlertingTopology.GROUPS_REPARTITION + "-repartition]",
                "Processor: " + AlertingTopology.SILENCE_TABLE
                        + " (stores: [" + AlertingTopology.SILENCES_STORE + "])");
    }

    private void send(AlertTransition t) {
        transitions.pipeInput(t.getAlertId(), t, t.getAt());
    }

    private void advance(Duration d) {
        wallClock += d.toMillis();
        driver.advanceWallClockTime(d);
    }

    private static List<String> alertIds(Notification n) {
        List<String> ids = new ArrayList<>();
        for (NotifiedAlert a : n.getAlerts()) {
            ids.add(a.getAlertId());
        }
        return ids;
    }

    private KeyValueStore<String, ActiveAlert> active() {
        return driver.getKeyValueStore(AlertingTopology.ACTIVE_STORE);
    }

    private KeyValueStore<String, AlertGroup> groups() {
        return driver.getKeyValueStore(AlertingTopology.GROUPS_STORE);
    }

    /** The interactive queries over this driver's stores, at its wall clock. */
    private AlertQueries queries() {
        return new AlertQueries(new LocalStores() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
                return driver.getKeyValueStore(name);
            }
        }, () -> wallClock);
    }


    private double transitionsCounted(String result) {
        return meters.get(AlertingMetrics.TRANSITIONS).tag("result", result).counter().count();
    }

    private double silencesCounted(String result) {
        return meters.get(AlertingMetrics.SILENCES).tag("result", result).counter().count();
    }

    private double notificationsCounted(String status) {
        return meters.get(AlertingMetrics.NOTIFICATIONS).tag("status", status).counter().count();
    }
}
