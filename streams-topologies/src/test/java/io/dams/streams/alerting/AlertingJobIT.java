package io.dams.streams.alerting;

import static io.dams.streams.alerting.AlertFixtures.REGION;
import static io.dams.streams.alerting.AlertFixtures.silenceOf;
import static io.dams.streams.alerting.AlertFixtures.transition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.Tail;
import io.dams.streams.iq.AlertView;
import io.dams.streams.iq.InteractiveQueries;
import io.dams.streams.iq.InteractiveQueryClient;
import io.dams.streams.iq.InteractiveQueryException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerting job on the real platform: registry serdes, exactly-once, the repartition by group, the global silences
 * store, wall-clock timers, and its alerts read through the interactive-query client.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class AlertingJobIT {

    static final Duration WITHIN = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    @Test
    void shouldNotifyFiringAndResolvedGroupsLeaveSilencedAlertsOutAndServeTheAlerts(Endpoints platform)
            throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String rule = "it-high-cpu-" + run;
        String groupKey = rule + "/region=" + REGION;
        String loud = "it-" + run + "-a";
        String muted = "it-" + run + "-b";
        String silenceId = "it-silence-" + run;
        long t = System.currentTimeMillis();
        AlertingSettings settings = AlertingSettings.defaults()
                .withTimers(Duration.ZERO, Duration.ofSeconds(1), Duration.ofHours(4));
        JobConfig config = PlatformClients.alertingJob(platform, "dams-alerting-it-" + run, tmp.resolve("state"),
                settings);

        try (KafkaProducer<String, AlertTransition> transitions = PlatformClients.producer(platform,
                     Topics.ALERTS_TRANSITIONS);
             KafkaProducer<String, Silence> silences = PlatformClients.producer(platform, Topics.SILENCES);
             KafkaProducer<String, byte[]> garbage = PlatformClients.bytesProducer(platform);
             Tail<Notification> notifications = PlatformClients.tail(platform, Topics.ALERTS_NOTIFICATIONS)) {
            // Before the job starts: a global store is read to the end of its topic before any task runs.
            silences.send(new ProducerRecord<>(Topics.SILENCES.name(), silenceId,
                    silenceOf(silenceId, muted, t - 1_000, t + 3_600_000))).get();

            try (StreamsJob job = StreamsJob.start(config)) {
                await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);
                garbage.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), loud,
                        "not an avro transition".getBytes(StandardCharsets.UTF_8))).get();
                transitions.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), loud,
                        transition(loud, rule, "web-1", REGION, AlertState.PENDING, AlertState.FIRING, t)));
                transitions.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), muted,
                        transition(muted, rule, "web-2", REGION, AlertState.PENDING, AlertState.FIRING, t)));
                transitions.flush();

                Notification firing = await().atMost(WITHIN)
                        .until(() -> notifications.values(groupKey), n -> !n.isEmpty()).get(0);
                assertThat(firing.getStatus()).isEqualTo(NotificationStatus.FIRING);
                assertThat(firing.getAlerts()).extracting(NotifiedAlert::getAlertId)
                        .as("the silenced alert is left out").containsExactly(loud);

                InteractiveQueryClient client = new InteractiveQueryClient(
                        URI.create("http://" + job.applicationServer().orElseThrow()));
                List<AlertView> alerts = await().atMost(WITHIN)
                        .ignoreExceptionsInstanceOf(InteractiveQueryException.class)
                        .until(client::alerts, all -> all.stream().filter(a -> a.ruleName().equals(rule)).count() == 2);
                assertThat(alerts.stream().filter(a -> a.ruleName().equals(rule)))
                        .extracting(AlertView::alertId, AlertView::state)
                        .containsExactly(tuple(loud, "firing"),
                                tuple(muted, "firing"));
                assertThat(client.alert(muted).orElseThrow().silencedBy()).containsExactly(silenceId);
                assertThat(client.alert(loud).orElseThrow().silencedBy()).isEmpty();
                assertThat(client.alert("it-" + run + "-nobody")).isEmpty();
                assertThat(status("http://" + job.applicationServer().orElseThrow() + InteractiveQueries.ASSETS))
                        .as("an alerting job serves no asset routes").isEqualTo(404);

                transitions.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), loud,
                        transition(loud, rule, "web-1", REGION, AlertState.FIRING, AlertState.RESOLVED, t + 5_000)));
                transitions.flush();
                Notification resolved = await().atMost(WITHIN)
                        .until(() -> notifications.values(groupKey), n -> n.size() >= 2).get(1);
                assertThat(resolved.getStatus()).isEqualTo(NotificationStatus.RESOLVED);
                assertThat(resolved.getAlerts()).extracting(NotifiedAlert::getAlertId).containsExactly(loud);
                assertThat(resolved.getNotificationId()).isNotEqualTo(firing.getNotificationId());
                await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class)
                        .until(() -> client.alert(loud).map(AlertView::state).orElse(""), "resolved"::equals);

                String metrics = get("http://127.0.0.1:" + job.statusPort() + "/metrics");
                assertThat(metrics).containsPattern(
                        "dams_alerting_notifications_total\\{[^}]*status=\"resolved\"[^}]*} [1-9]");
                assertThat(metrics).containsPattern(
                        "dams_alerting_transitions_total\\{[^}]*result=\"undecodable\"[^}]*} [1-9]");
                assertThat(metrics).containsPattern("dams_alerting_muted_alerts_total\\{[^}]*} [1-9]");
                assertThat(job.state().isRunningOrRebalancing()).isTrue();
            }
        }
    }

    static int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }
}
