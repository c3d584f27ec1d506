package io.dams.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.notifier.channel.WebhookChannel;
import io.dams.notifier.delivery.DeliveryLog;
import io.dams.notifier.delivery.OutcomeRecorder;
import io.dams.notifier.testing.LocalReceiver;
import io.dams.notifier.testing.LocalReceiver.Answer;
import io.dams.notifier.testing.Notifications;
import io.dams.notifier.testing.TopicReader;
import io.dams.schemas.avro.DeliveryOutcome;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationDelivery;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The notifier on the embedded platform (Kafka, the schema registry) against real local receivers: notifications
 * produced to dams.alerts.notifications reach Slack, PagerDuty, email and webhooks; outcomes land in the delivery
 * log; a receiver that never accepts ends in the dead-letter topic; bad input is recorded and passed over; and a
 * restart mid-way neither repeats nor loses a notification on any channel.
 *
 * <p>The platform and its topics are shared by the JVM's tests, and each notifier reads the topic from its beginning:
 * every test uses notification ids, groups and channel names of its own and looks only at those.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class NotifierIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WITHIN = Duration.ofSeconds(90);

    @RegisterExtension
    static final GreenMailExtension GREEN_MAIL = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort());

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closing(T resource) {
        closeAfter.add(resource);
        return resource;
    }

    @Test
    void shouldDeliverOnEveryChannelAndRecordEachOutcome(Endpoints platform) throws Exception {
        LocalReceiver slack = closing(LocalReceiver.start());
        LocalReceiver pagerduty = closing(LocalReceiver.start()).byDefault(r -> Answer.status(202, "{\"status\":\"success\"}"));
        LocalReceiver hook = closing(LocalReceiver.start());
        NotifierConfig.Email email = new NotifierConfig.Email("127.0.0.1", GREEN_MAIL.getSmtp().getPort(),
                NotifierConfig.StartTls.OFF, "", Secret.empty(), "dams@example.com", List.of("oncall-" + run + "@example.com"), "");
        NotifierConfig config = config(platform, "it-all-" + run, new NotifierConfig.Alerting("https://dams.example.com",
                Secret.of(slack.url("/services/T0/B0/SECRET")), Secret.of("ROUTINGKEY"), pagerduty.url("/v2/enqueue"),
                email, List.of(new NotifierConfig.Webhook("it-hook-" + run, hook.url("/am"), Secret.of("hmac-" + run),
                        "", 0))));
        Notifier notifier = closing(Notifier.start(config, Clock.systemUTC(), Map.of()));

        List<String> channels = List.of("slack", "pagerduty", "email", "webhook");
        Notification firing = Notifications.ofGroup(run + "-1", "cpu/" + run, channels);
        Notification resolved = Notifications.resolved(run + "-2", channels);
        resolved.setGroupKey("cpu/" + run);
        Notification other = Notifications.ofGroup(run + "-3", "disk/" + run, channels);
        produce(platform, firing, resolved, other);

        Set<String> ids = Set.of(run + "-1", run + "-2", run + "-3");
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(idsOf(slack.accepted())).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(idsOf(pagerduty.accepted())).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(idsOf(hook.accepted())).containsExactlyInAnyOrderElementsOf(ids);
            assertThat(mailsTo("oncall-" + run + "@example.com")).hasSize(3);
        });

        // PagerDuty saw the group's trigger before its resolve, with one dedup_key.
        List<JsonNode> events = new ArrayList<>();
        for (LocalReceiver.Request r : pagerduty.accepted()) {
            JsonNode e = JSON.readTree(r.body());
            if (e.get("dedup_key").asText().equals("cpu/" + run)) {
                events.add(e);
            }
        }
        assertThat(events).extracting(e -> e.get("event_action").asText()).containsExactly("trigger", "resolve");
        // The webhook got the Alertmanager body, signed.
        LocalReceiver.Request webhookRequest = hook.accepted().get(0);
        assertThat(JSON.readTree(webhookRequest.body()).get("version").asText()).isEqualTo("4");
        assertThat(webhookRequest.header(WebhookChannel.SIGNATURE_HEADER)).isEqualTo(
                WebhookChannel.signature(Secret.of("hmac-" + run), webhookRequest.body()));
        assertThat(mailsTo("oncall-" + run + "@example.com")).extracting(MimeMessage::getSubject)
                .containsExactlyInAnyOrder("[FIRING:2] high-cpu-warning (region=eu-west-1)",
                        "[RESOLVED] high-cpu-warning (region=eu-west-1)",
                        "[FIRING:2] high-cpu-warning (region=eu-west-1)");

        try (TopicReader<NotificationDelivery> log = deliveryLog(platform)) {
            Map<String, NotificationDelivery> byKey = new HashMap<>();
            await().atMost(WITHIN).untilAsserted(() -> {
                log.records(r -> r.key().startsWith(run + "-")).forEach(r -> byKey.put(r.key(), r.value()));
                assertThat(byKey).hasSize(12);
            });
            assertThat(log.records(r -> r.key().startsWith(run + "-"))).hasSize(12);
            NotificationDelivery slackRecord = byKey.get(run + "-1/slack");
            assertThat(slackRecord.getOutcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(slackRecord.getAttempts()).isEqualTo(1);
            assertThat(slackRecord.getResponseStatus()).isEqualTo(200);
            assertThat(slackRecord.getNotificationStatus()).isEqualTo("FIRING");
            assertThat(slackRecord.getGroupKey()).isEqualTo("cpu/" + run);
            assertThat(slackRecord.getReceiver()).startsWith("127.0.0.1:").doesNotContain("SECRET");
            assertThat(slackRecord.getFinishedAt()).isGreaterThanOrEqualTo(slackRecord.getFirstAttemptAt());
            assertThat(byKey.get(run + "-2/pagerduty").getResponseStatus()).isEqualTo(202);
            assertThat(byKey.get(run + "-2/pagerduty").getNotificationStatus()).isEqualTo("RESOLVED");
            assertThat(byKey.get(run + "-3/email").getResponseStatus()).isEqualTo(250);
            assertThat(byKey.get(run + "-3/email").getReceiver()).contains("oncall-" + run + "@example.com");
            assertThat(byKey).containsKey(run + "-3/it-hook-" + run);
            assertThat(byKey.values()).allMatch(d -> d.getOutcome() == DeliveryOutcome.DELIVERED);
        }

        assertThat(get(notifier, "/healthz").statusCode()).isEqualTo(200);
        String metrics = get(notifier, "/metrics").body();
        assertThat(metrics).contains("dams_notifier_deliveries_total{channel=\"slack\",outcome=\"delivered\"}")
                .contains("dams_notifier_attempts_total{channel=\"pagerduty\",result=\"delivered\"}")
                .contains("dams_notifier_delivery_latency_seconds_count{channel=\"email\"}")
                .contains("dams_notifier_queue_depth{channel=\"it-hook-" + run + "\"} 0.0")
                .contains("dams_notifier_retry_queue_depth{channel=\"slack\"} 0.0");
    }

    @Test
    void shouldDeadLetterWhatAReceiverNeverAcceptsAndRecordBadInput(Endpoints platform) throws Exception {
        LocalReceiver broken = closing(LocalReceiver.start()).byDefault(r -> Answer.status(500, "down"));
        LocalReceiver fine = closing(LocalReceiver.start());
        String dead = "it-dead-" + run;
        String ok = "it-ok-" + run;
        NotifierConfig config = config(platform, "it-dead-" + run, new NotifierConfig.Alerting("", Secret.empty(),
                Secret.empty(), NotifierConfig.PAGERDUTY_EVENTS_URL, NotifierConfig.defaults().alerting().email(),
                List.of(new NotifierConfig.Webhook(dead, broken.url("/")), new NotifierConfig.Webhook(ok, fine.url("/")))));
        Notifier notifier = closing(Notifier.start(config, Clock.systemUTC(), Map.of()));

        produce(platform, Notifications.ofGroup(run + "-1", "g1/" + run, List.of(dead, ok)));
        long garbageOffset = produceGarbage(platform, "g2/" + run);
        produce(platform, Notifications.ofGroup(run + "-3", "g3/" + run, List.of("nosuch-" + run, ok)),
                Notifications.ofGroup(run + "-4", "g4/" + run, List.of()));
        produce(platform, Notifications.ofGroup(run + "-5", "g5/" + run, List.of(ok)));

        try (TopicReader<NotificationDelivery> log = deliveryLog(platform);
             TopicReader<Notification> deadLetters = new TopicReader<>(Topics.NOTIFICATIONS_DEAD.name(),
                     consumerConfig(platform))) {
            Map<String, NotificationDelivery> byKey = new LinkedHashMap<>();
            await().atMost(WITHIN).untilAsserted(() -> {
                log.records(r -> r.key().startsWith(run + "-") || r.value().getGroupKey().equals("g2/" + run))
                        .forEach(r -> byKey.put(r.key(), r.value()));
                assertThat(byKey).containsKeys(run + "-1/" + dead, run + "-1/" + ok, run + "-3/nosuch-" + run,
                        run + "-3/" + ok, run + "-4/-", run + "-5/" + ok);
                assertThat(byKey.keySet()).anyMatch(k -> k.startsWith("undecodable:"));
            });

            NotificationDelivery deadRecord = byKey.get(run + "-1/" + dead);
            assertThat(deadRecord.getOutcome()).isEqualTo(DeliveryOutcome.DEAD_LETTERED);
            assertThat(deadRecord.getAttempts()).isEqualTo(3);
            assertThat(deadRecord.getResponseStatus()).isEqualTo(500);
            assertThat(deadRecord.getError()).contains("HTTP 500: down");
            assertThat(idsOf(broken.requests())).containsExactly(run + "-1", run + "-1", run + "-1");
            assertThat(byKey.get(run + "-1/" + ok).getOutcome()).isEqualTo(DeliveryOutcome.DELIVERED);

            NotificationDelivery unknown = byKey.get(run + "-3/nosuch-" + run);
            assertThat(unknown.getOutcome()).isEqualTo(DeliveryOutcome.REJECTED);
            assertThat(unknown.getAttempts()).isZero();
            assertThat(unknown.getError()).contains("unknown channel 'nosuch-" + run + "'");
            assertThat(byKey.get(run + "-3/" + ok).getOutcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(byKey.get(run + "-4/-").getError()).contains("no channel");
            NotificationDelivery undecodable = byKey.values().stream()
                    .filter(d -> d.getGroupKey().equals("g2/" + run)).findFirst().orElseThrow();
            assertThat(undecodable.getOutcome()).isEqualTo(DeliveryOutcome.REJECTED);
            assertThat(undecodable.getChannel()).isEqualTo(OutcomeRecorder.NO_CHANNEL);
            assertThat(undecodable.getNotificationId()).endsWith("@" + garbageOffset);
            assertThat(undecodable.getError()).startsWith("undecodable notification");
            // Bad input in the middle did not stop the notifier: what came after was delivered.
            assertThat(idsOf(fine.accepted())).contains(run + "-1", run + "-3", run + "-5");

            List<ConsumerRecord<String, Notification>> letters = new ArrayList<>();
            await().atMost(WITHIN).untilAsserted(() -> {
                letters.clear();
                letters.addAll(deadLetters.records(r -> r.value().getNotificationId().equals(run + "-1")));
                assertThat(letters).hasSize(1);
            });
            ConsumerRecord<String, Notification> letter = letters.get(0);
            assertThat(letter.key()).isEqualTo("g1/" + run);
            assertThat(header(letter, DeliveryLog.HEADER_CHANNEL)).isEqualTo(dead);
            assertThat(header(letter, DeliveryLog.HEADER_REASON)).isEqualTo("max_attempts");
            assertThat(header(letter, DeliveryLog.HEADER_ATTEMPTS)).isEqualTo("3");
            assertThat(header(letter, DeliveryLog.HEADER_ERROR)).contains("HTTP 500");
            assertThat(letter.value().getChannels()).containsExactly(dead, ok);
        }

        String metrics = get(notifier, "/metrics").body();
        assertThat(metrics).contains("dams_notifier_dead_letters_total{channel=\"" + dead + "\"} 1.0")
                .contains("dams_notifier_deliveries_total{channel=\"" + dead + "\",outcome=\"dead_lettered\"} 1.0")
                .contains("dams_notifier_attempts_total{channel=\"" + dead + "\",result=\"retry\"} 3.0")
                .contains("dams_notifier_bad_input_total{reason=\"undecodable\"}")
                .contains("dams_notifier_bad_input_total{reason=\"unknown_channel\"}")
                .contains("dams_notifier_bad_input_total{reason=\"no_channels\"}");
        assertThat(get(notifier, "/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldDeliverEachNotificationOnceOnEachChannelAcrossARestart(Endpoints platform) throws Exception {
        String held = run + "-3";
        CountDownLatch release = new CountDownLatch(1);
        // Channel a holds notification 3 unanswered until released (503 then, to a client long gone); b takes all.
        LocalReceiver a = closing(LocalReceiver.start()).byDefault(r ->
                held.equals(r.header(WebhookChannel.NOTIFICATION_ID_HEADER)) && release.getCount() > 0
                        ? Answer.heldUntil(release, 503) : Answer.status(200));
        LocalReceiver b = closing(LocalReceiver.start());
        closeAfter.add(release::countDown);
        String channelA = "restart-a-" + run;
        String channelB = "restart-b-" + run;
        String group = "it-restart-" + run;
        NotifierConfig config = config(platform, group, new NotifierConfig.Alerting("", Secret.empty(), Secret.empty(),
                NotifierConfig.PAGERDUTY_EVENTS_URL, NotifierConfig.defaults().alerting().email(),
                List.of(new NotifierConfig.Webhook(channelA, a.url("/")), new NotifierConfig.Webhook(channelB, b.url("/")))));

        Notifier first = Notifier.start(config, Clock.systemUTC(), Map.of());
        List<String> channels = List.of(channelA, channelB);
        // All on one partition, each of its own group: 4..10 come after the held 3 and are delivered, but their
        // offsets cannot be committed while 3 is unfinished, so the second notifier reads them again.
        List<Notification> batch = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            batch.add(Notifications.ofGroup(run + "-" + i, "g" + i + "/" + run, channels));
        }
        produceTo(platform, 0, batch);
        List<String> firstTen = batch.stream().map(Notification::getNotificationId).toList();
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(idsOf(b.accepted())).containsExactlyInAnyOrderElementsOf(firstTen);
            assertThat(idsOf(a.accepted())).containsExactlyInAnyOrderElementsOf(
                    firstTen.stream().filter(id -> !id.equals(held)).toList());
            assertThat(idsOf(a.requests())).contains(held);
        });

        first.close();
        release.countDown();
        List<Notification> later = List.of(Notifications.ofGroup(run + "-11", "g11/" + run, channels),
                Notifications.ofGroup(run + "-12", "g12/" + run, channels));
        produceTo(platform, 0, later);
        Notifier second = closing(Notifier.start(config, Clock.systemUTC(), Map.of()));

        List<String> all = new ArrayList<>(firstTen);
        all.addAll(later.stream().map(Notification::getNotificationId).toList());
        // Finished: the group's committed offset on partition 0 is the partition's end.
        await().atMost(WITHIN).untilAsserted(() -> {
            assertThat(idsOf(a.accepted())).containsAll(all);
            assertThat(idsOf(b.accepted())).containsAll(all);
            assertThat(committed(platform, group, 0)).isEqualTo(endOffset(platform, 0));
        });

        assertThat(countById(a.accepted())).as("deliveries per notification on " + channelA)
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1)).containsOnlyKeys(all);
        assertThat(countById(b.accepted())).as("deliveries per notification on " + channelB)
                .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1)).containsOnlyKeys(all);
        try (TopicReader<NotificationDelivery> log = deliveryLog(platform)) {
            Map<String, Long> records = log.records(r -> r.key().startsWith(run + "-")).stream()
                    .collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(records).hasSize(24).allSatisfy((key, n) -> assertThat(n).as(key).isEqualTo(1L));
        }
        // The second notifier did read 3..10 again, and the delivery log kept it from sending them twice.
        assertThat(metric(second, "dams_notifier_duplicates_skipped_total{channel=\"" + channelB + "\"}"))
                .isGreaterThanOrEqualTo(8.0);
        assertThat(metric(second, "dams_notifier_duplicates_skipped_total{channel=\"" + channelA + "\"}"))
                .isGreaterThanOrEqualTo(7.0);
    }

    // --- helpers ---

    private static NotifierConfig config(Endpoints platform, String group, NotifierConfig.Alerting alerting) {
        Map<String, NotifierConfig.RateLimit> limits = Map.of(NotifierConfig.DEFAULT_RATE_LIMIT,
                new NotifierConfig.RateLimit(1000, 1000));
        NotifierConfig config = new NotifierConfig(
                new NotifierConfig.Kafka(platform.bootstrapServers(), platform.registryUrl(), group),
                new NotifierConfig.Status("127.0.0.1", 0),
                new NotifierConfig.DeliverySettings(new NotifierConfig.Retry(Duration.ofMillis(50), Duration.ofMillis(200),
                        3, Duration.ofSeconds(60)), limits, Duration.ofSeconds(2), Duration.ofSeconds(30), 4, 100,
                        Duration.ofDays(1), Duration.ofMillis(200)),
                alerting);
        config.validate();
        startAtTheEnd(platform, group);
        return config;
    }

    /**
     * Commits the group's offsets at the notifications topic's current end, so that its notifier reads only what this
     * test produces (the topic holds the other tests' notifications too).
     */
    private static void startAtTheEnd(Endpoints platform, String group) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < Topics.ALERTS_NOTIFICATIONS.partitions(); p++) {
                latest.put(new TopicPartition(Topics.ALERTS_NOTIFICATIONS.name(), p), OffsetSpec.latest());
            }
            Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, new OffsetAndMetadata(info.offset())));
            admin.alterConsumerGroupOffsets(group, ends).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot position group " + group, e);
        }
    }

    private static Map<String, Object> consumerConfig(Endpoints platform) {
        Map<String, Object> c = new HashMap<>(new RegistrySerdes(platform.registryUrl()).consumerConfig());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        return c;
    }

    private static TopicReader<NotificationDelivery> deliveryLog(Endpoints platform) {
        return new TopicReader<>(Topics.NOTIFICATIONS_LOG.name(), consumerConfig(platform));
    }

    private static void produce(Endpoints platform, Notification... notifications) {
        produceTo(platform, null, List.of(notifications));
    }

    private static void produceTo(Endpoints platform, Integer partition, List<Notification> notifications) {
        Map<String, Object> c = new HashMap<>(new RegistrySerdes(platform.registryUrl()).producerConfig());
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (KafkaProducer<String, Notification> producer = new KafkaProducer<>(c)) {
            for (Notification n : notifications) {
                producer.send(new ProducerRecord<>(Topics.ALERTS_NOTIFICATIONS.name(), partition, n.getGroupKey(), n));
            }
            producer.flush();
        }
    }

    /** A record that is not a notification; returns its offset. */
    private static long produceGarbage(Endpoints platform, String key) throws Exception {
        Map<String, Object> c = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(c)) {
            return producer.send(new ProducerRecord<>(Topics.ALERTS_NOTIFICATIONS.name(), key,
                    "not avro at all".getBytes(StandardCharsets.UTF_8))).get().offset();
        }
    }

    private static Long committed(Endpoints platform, String group, int partition) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(Topics.ALERTS_NOTIFICATIONS.name(), partition));
            return offset == null ? null : offset.offset();
        }
    }

    private static long endOffset(Endpoints platform, int partition) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()))) {
            TopicPartition tp = new TopicPartition(Topics.ALERTS_NOTIFICATIONS.name(), partition);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
        }
    }

    /** The notification ids of this test's requests. */
    private List<String> idsOf(List<LocalReceiver.Request> requests) {
        return requests.stream().map(r -> r.header(WebhookChannel.NOTIFICATION_ID_HEADER))
                .filter(id -> id != null && id.startsWith(run + "-")).toList();
    }

    private List<MimeMessage> mailsTo(String address) throws Exception {
        List<MimeMessage> mails = new ArrayList<>();
        for (MimeMessage m : GREEN_MAIL.getReceivedMessages()) {
            for (jakarta.mail.Address to : m.getAllRecipients()) {
                if (to.toString().equals(address)) {
                    mails.add(m);
                }
            }
        }
        return mails;
    }

    private Map<String, Long> countById(List<LocalReceiver.Request> requests) {
        return idsOf(requests).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static HttpResponse<String> get(Notifier notifier, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + notifier.statusPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static double metric(Notifier notifier, String series) throws Exception {
        return get(notifier, "/metrics").body().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip())).orElse(0.0);
    }
}
