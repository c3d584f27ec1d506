package io.dams.streams.rules;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.rules.AlertRule;
import io.dams.rules.catalog.RuleCatalog;
import io.dams.rules.catalog.RuleDiff;
import io.dams.rules.eval.AlertFingerprint;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.Tail;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Same semantics as Prometheus: one script of values for one series ({@link #SCRIPT}, one value a second: low, high
 * long enough to fire, a dip that resolves, a high shorter than the duration that must not fire, high long enough to
 * fire again, low) is played in real time into Prometheus 2.42 + Alertmanager 0.25 (a local exporter serving the
 * current value, scraped every 1 s, the rule evaluated every 1 s, group_wait 0, group_interval 1 s) and into the rules
 * job (one MetricBatch a step on {@code dams.metrics.samples}, with the same value, timestamped with the moment it
 * became the source's value). The same rule on both sides: {@code cpu_percent{asset_id="..."} > 90} held for 3 s
 * ({@code for: 3s} / {@code duration: 3s}). Skipped, with the reason, where either binary is not installed.
 *
 * <p><b>What is compared.</b> For each change of an alert's state (becoming pending, firing, resolved), three instants:
 * <ul>
 *   <li>{@code c}: the DAMS transition's {@code at}. DAMS evaluates every sample at its event time, so {@code c} is
 *       the timestamp of the sample that changed the state, which is the moment the source changed;</li>
 *   <li>{@code s}: the timestamp of Prometheus' first scrape at or after {@code c} (read back raw from its TSDB); the
 *       test checks that this stored sample has exactly the script's value at {@code c}, i.e. that both systems
 *       decided on the same sample;</li>
 *   <li>{@code p}: Prometheus' transition time, an evaluation timestamp: {@code activeAt} of {@code /api/v1/alerts}
 *       (polled every 150 ms) for pending, {@code startsAt} (Prometheus' FiredAt) and {@code endsAt} (its
 *       ResolvedAt) of the alerts in Alertmanager's webhooks for firing and resolved.</li>
 * </ul>
 * It asserts {@code 0 ≤ s − c < 1 s} (one scrape interval) and {@code 0 ≤ p − s ≤ 1 s} (one evaluation interval),
 * so {@code 0 ≤ p − c < 2 s}; that both measure the duration the same way ({@code firing − pending} is exactly 3 s
 * on both sides, Prometheus on its evaluation grid, DAMS between sample timestamps); that DAMS' transitions fall on the
 * script's steps; and that both see the same number of pending and firing episodes (3 and 2: the short high only
 * pends).
 *
 * <p><b>Why the tolerance is two intervals, not one.</b> "Within one evaluation interval" holds for what the rule
 * evaluation adds ({@code p − s}): Prometheus evaluates on its own 1 s grid, at most one interval after it has the
 * sample, and never before. But Prometheus cannot evaluate a value it has not scraped yet, and it scrapes on its own 1
 * s grid too, so {@code s − c} adds up to one scrape interval that no choice of evaluation interval removes: the
 * honest bound on the difference of the firing and resolved times is one scrape interval plus one evaluation interval
 * ({@code p − c < 2 s}), with Prometheus never earlier. Both phases are fixed for a run (scrape offset from the
 * target's hash, evaluation offset from the group's), so every change of a run shows nearly the same difference.
 * The test places the source's changes midway between two scrapes (it learns their phase from the exporter first), so
 * that timer jitter can neither let a scrape see a change early nor miss one; {@code s − c} is then about 500 ms.
 * {@link #JITTER_MS} covers timer and HTTP jitter at the bounds.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class PrometheusSemanticsIT {

    private static final Logger LOG = LoggerFactory.getLogger(PrometheusSemanticsIT.class);

    /**
     * One value a second; the threshold is 90 and the rule must hold 3 s. DAMS' (and, sampled, Prometheus')
     * transitions: pending at 3, firing at 6, resolved at 9; pending at 11, inactive at 13 (held 2 s < 3 s: no
     * firing); pending at 15, firing at 18, resolved at 21.
     */
    static final double[] SCRIPT = {
        20, 25, 30,
        95, 96, 97, 98, 97, 96,
        40, 35,
        95, 96,
        30, 25,
        95, 96, 97, 98, 99, 97,
        20, 15, 10, 10,
    };
    static final List<Integer> PENDING_STEPS = List.of(3, 11, 15);
    static final List<Integer> FIRING_STEPS = List.of(6, 18);
    static final List<Integer> RESOLVED_STEPS = List.of(9, 21);

    static final Duration STEP = Duration.ofSeconds(1);
    static final Duration HOLD_FOR = Duration.ofSeconds(3);
    static final long SCRAPE_MS = LocalPrometheus.INTERVAL.toMillis();
    static final long EVALUATION_MS = LocalPrometheus.INTERVAL.toMillis();
    /** Timer, scheduling and HTTP jitter allowed at each bound. */
    static final long JITTER_MS = 50;
    static final Duration POLL = Duration.ofMillis(150);
    static final Duration WITHIN = Duration.ofSeconds(60);

    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String ASSET = "prom-semantics-" + RUN;
    static final String REGION = "eu-west-1";
    static final String RULE = "high-cpu-" + RUN;
    static final String SELECTOR = "cpu_percent{asset_id=\"" + ASSET + "\"}";
    static final String CONDITION = SELECTOR + " > 90";

    static final LocalPrometheus.Binaries BINARIES = LocalPrometheus.Binaries.find();
    static LocalPrometheus prometheus;

    /** One state change seen by both systems: {@code c}, {@code s} and {@code p} of the class comment. */
    record Change(String what, int step, long damsAt, long scrapedAt, long prometheusAt) {

        long scrapeLag() {
            return scrapedAt - damsAt;
        }

        long evaluationLag() {
            return prometheusAt - scrapedAt;
        }

        long difference() {
            return prometheusAt - damsAt;
        }
    }

    @BeforeAll
    static void startPrometheus(@TempDir Path dir) throws IOException {
        // The test itself reports the skip: an assumption failing here would hide the class from the test reports.
        if (BINARIES.present()) {
            prometheus = LocalPrometheus.start(BINARIES, dir, SELECTOR, SCRIPT[0], RULE, CONDITION, HOLD_FOR);
        } else {
            LOG.warn("PrometheusSemanticsIT skipped: {}", BINARIES.missing());
        }
    }

    @AfterAll
    static void stopPrometheus() {
        if (prometheus != null) {
            prometheus.close();
        }
    }

    @Test
    void shouldPendFireAndResolveWhenPrometheusDoes(Endpoints platform, @TempDir Path state) throws Exception {
        assumeTrue(BINARIES.present(), BINARIES::missing);
        String alertId = AlertFingerprint.of(RULE, Map.of("asset_id", ASSET)).alertId();
        String probeRule = "probe-" + RUN;
        String probeAlert = AlertFingerprint.of(probeRule, Map.of("asset_id", ASSET)).alertId();
        new RuleCatalog(platform.bootstrapServers(), platform.registryUrl()).apply(new RuleDiff(List.of(
                rule(RULE, CONDITION, HOLD_FOR),
                rule(probeRule, "dams_probe{asset_id=\"" + ASSET + "\"} > 0", Duration.ZERO)),
                List.of(), List.of(), List.of()), "prometheus-semantics-it");

        ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (KafkaProducer<String, MetricBatch> samples = PlatformClients.producer(platform, Topics.METRICS_SAMPLES);
             Tail<AlertTransition> transitions = PlatformClients.tail(platform, Topics.ALERTS_TRANSITIONS);
             StreamsJob job = StreamsJob.start(PlatformClients.rulesJob(platform, "dams-prom-semantics-" + RUN, state))) {
            AtomicLong seq = new AtomicLong();
            await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);
            // The job starts at the end of the samples topic: once a probe sample of the asset fired, it is reading.
            await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).until(() -> {
                samples.send(record(seq, "dams_probe", System.currentTimeMillis(), 1)).get();
                return !transitions.values(probeAlert).isEmpty();
            });

            // Change the source midway between two of Prometheus' scrapes.
            await().atMost(WITHIN).until(() -> prometheus.scrapes().size() >= 2);
            List<Long> scrapes = prometheus.scrapes();
            long phase = Math.floorMod(scrapes.get(scrapes.size() - 1) + SCRAPE_MS / 2, STEP.toMillis());
            long now = System.currentTimeMillis();
            long t0 = now + STEP.toMillis() + Math.floorMod(phase - now, STEP.toMillis());

            AtomicInteger next = new AtomicInteger();
            List<Long> lateness = new CopyOnWriteArrayList<>();
            clock.scheduleAtFixedRate(() -> {
                int k = next.get();
                if (k >= SCRIPT.length) {
                    return;
                }
                long at = t0 + k * STEP.toMillis();
                prometheus.set(SCRIPT[k]);
                lateness.add(System.currentTimeMillis() - at);
                samples.send(record(seq, "cpu_percent", at, SCRIPT[k]), (meta, e) -> {
                    if (e != null) {
                        errors.add(e);
                    }
                });
                next.incrementAndGet();
            }, t0 - now, STEP.toMillis(), TimeUnit.MILLISECONDS);
            List<Long> activeAts = new CopyOnWriteArrayList<>();
            clock.scheduleAtFixedRate(() -> {
                try {
                    for (JsonNode alert : prometheus.alerts()) {
                        if (RULE.equals(alert.path("labels").path("alertname").asText())) {
                            activeAts.add(LocalPrometheus.epochMs(alert.path("activeAt")));
                        }
                    }
                } catch (IOException e) {
                    errors.add(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);

            await().atMost(STEP.multipliedBy(SCRIPT.length).plus(WITHIN)).pollInterval(Duration.ofMillis(200))
                    .until(() -> next.get() >= SCRIPT.length
                            && at(transitions.values(alertId), AlertState.RESOLVED).size() >= RESOLVED_STEPS.size()
                            && webhookTimes("resolved", "endsAt").size() >= RESOLVED_STEPS.size());
            clock.shutdownNow();
            assertThat(errors).as("errors while playing the script").isEmpty();

            List<AlertTransition> dams = transitions.values(alertId);
            List<Long> damsPending = at(dams, AlertState.PENDING);
            List<Long> damsFiring = at(dams, AlertState.FIRING);
            List<Long> damsResolved = at(dams, AlertState.RESOLVED);
            List<Long> promPending = activeAts.stream().distinct().sorted().toList();
            List<Long> promFiring = webhookTimes("firing", "startsAt");
            List<Long> promResolved = webhookTimes("resolved", "endsAt");
            LOG.info("source changed every {} ms from {} (phase {} ms after the scrapes), lateness of the steps {} ms;"
                    + " DAMS transitions {}; Prometheus pending {}, firing {}, resolved {}", STEP.toMillis(), t0,
                    SCRAPE_MS / 2, lateness, dams.stream().map(t -> t.getToState() + "@" + (t.getAt() - t0)).toList(),
                    relative(promPending, t0), relative(promFiring, t0), relative(promResolved, t0));

            assertThat(steps(damsPending, t0)).as("DAMS pending steps").isEqualTo(PENDING_STEPS);
            assertThat(steps(damsFiring, t0)).as("DAMS firing steps").isEqualTo(FIRING_STEPS);
            assertThat(steps(damsResolved, t0)).as("DAMS resolved steps").isEqualTo(RESOLVED_STEPS);
            assertThat(promFiring).as("firing episodes: Prometheus as DAMS").hasSameSizeAs(damsFiring);
            assertThat(promResolved).as("resolved episodes: Prometheus as DAMS").hasSameSizeAs(damsResolved);
            assertThat(promPending).as("pending episodes: Prometheus as DAMS").hasSameSizeAs(damsPending);

            for (int i = 0; i < FIRING_STEPS.size(); i++) {
                int episode = PENDING_STEPS.indexOf(FIRING_STEPS.get(i) - (int) HOLD_FOR.dividedBy(STEP));
                assertThat(damsFiring.get(i) - damsPending.get(episode)).as("DAMS held for").isEqualTo(HOLD_FOR.toMillis());
                assertThat(promFiring.get(i) - promPending.get(episode)).as("Prometheus held for")
                        .isEqualTo(HOLD_FOR.toMillis());
            }

            List<LocalPrometheus.StoredSample> stored = prometheus.stored(SELECTOR, Duration.ofMinutes(5));
            List<Change> changes = new ArrayList<>();
            for (int i = 0; i < damsPending.size(); i++) {
                changes.add(change("pending", damsPending.get(i), promPending.get(i), stored, t0));
            }
            for (int i = 0; i < damsFiring.size(); i++) {
                changes.add(change("firing", damsFiring.get(i), promFiring.get(i), stored, t0));
            }
            for (int i = 0; i < damsResolved.size(); i++) {
                changes.add(change("resolved", damsResolved.get(i), promResolved.get(i), stored, t0));
            }
            changes.forEach(c -> LOG.info("{} at step {}: Prometheus − DAMS {} ms = scrape lag {} ms + evaluation lag"
                    + " {} ms", c.what(), c.step(), c.difference(), c.scrapeLag(), c.evaluationLag()));
            for (Change c : changes) {
                assertThat(c.scrapeLag()).as("scrape lag of %s", c).isBetween(0L, SCRAPE_MS - 1 + JITTER_MS);
                assertThat(c.evaluationLag()).as("evaluation lag of %s", c).isBetween(0L, EVALUATION_MS + JITTER_MS);
                assertThat(c.difference()).as("Prometheus − DAMS of %s", c)
                        .isBetween(0L, SCRAPE_MS + EVALUATION_MS - 1 + JITTER_MS);
            }
        } finally {
            clock.shutdownNow();
        }
    }

    /**
     * Pairs a DAMS transition with Prometheus' by the sample both decided on: Prometheus' first stored sample at or
     * after the DAMS sample's timestamp must carry the same value.
     */
    static Change change(String what, long damsAt, long prometheusAt, List<LocalPrometheus.StoredSample> stored,
                         long t0) {
        int step = Math.toIntExact((damsAt - t0) / STEP.toMillis());
        LocalPrometheus.StoredSample first = stored.stream().filter(s -> s.timestampMs() >= damsAt).findFirst()
                .orElseThrow(() -> new AssertionError("Prometheus stored no sample after the " + what + " at step "
                        + step + ": " + stored));
        assertThat(first.value()).as("Prometheus' first scrape after step %d (%s) saw the step's value; stored: %s",
                step, what, stored).isEqualTo(SCRIPT[step]);
        return new Change(what, step, damsAt, first.timestampMs(), prometheusAt);
    }

    /** The {@code startsAt} or {@code endsAt} of each distinct alert of the rule in webhooks of that status. */
    static List<Long> webhookTimes(String status, String field) {
        return prometheus.webhooks().stream()
                .flatMap(w -> stream(w.body().path("alerts")))
                .filter(a -> status.equals(a.path("status").asText())
                        && RULE.equals(a.path("labels").path("alertname").asText()))
                .map(a -> LocalPrometheus.epochMs(a.path(field)))
                .distinct().sorted().toList();
    }

    static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> nodes = new ArrayList<>();
        array.forEach(nodes::add);
        return nodes.stream();
    }

    static List<Long> at(List<AlertTransition> transitions, AlertState to) {
        return transitions.stream().filter(t -> t.getToState() == to).map(AlertTransition::getAt).toList();
    }

    static List<Integer> steps(List<Long> times, long t0) {
        return times.stream().map(t -> {
            assertThat((t - t0) % STEP.toMillis()).as("%d falls on a step", t).isZero();
            return Math.toIntExact((t - t0) / STEP.toMillis());
        }).toList();
    }

    static List<Long> relative(List<Long> times, long t0) {
        return times.stream().map(t -> t - t0).toList();
    }

    static ProducerRecord<String, MetricBatch> record(AtomicLong seq, String metric, long at, double value) {
        return new ProducerRecord<>(Topics.METRICS_SAMPLES.name(), ASSET, batch(ASSET, "agent-" + RUN,
                seq.incrementAndGet(), REGION, List.of(sample(metric, at, value))));
    }

    static AlertRule rule(String name, String condition, Duration holdFor) {
        return AlertRule.fromAvro(RulesTopologyTest.rule(name, condition, holdFor.toMillis()));
    }
}
