package io.dams.bridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.queue.DiskQueue;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forwarder's state machine against a producer the test acknowledges by hand. */
class KafkaForwarderTest {

    private static final Duration SPOOL_AFTER = Duration.ofMillis(300);
    private static final Duration WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final MockProducer<String, EncodedBatch> producer = new MockProducer<>(false, null,
            new StringSerializer(), (topic, batch) -> SpoolCodec.encode(batch));
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private DiskQueue spool;
    private KafkaForwarder forwarder;

    @AfterEach
    void closeForwarder() {
        if (forwarder != null) {
            forwarder.close();
        }
    }

    @Test
    void shouldCompleteWithKafkaOnceKafkaAcknowledges() throws Exception {
        start();

        CompletableFuture<Durability> result = forward("a", 1);
        assertThat(result).isNotDone();
        producer.completeNext();

        assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(Durability.KAFKA);
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.METRICS_RAW.name());
            assertThat(r.key()).isEqualTo("a");
            assertThat(r.value().decode()).isEqualTo(batch("a", 1));
        });
        assertThat(registry.get("dams.bridge.forwarded.batches").tag("path", "direct").counter().count()).isOne();
        assertThat(registry.get("dams.bridge.forward.latency").tag("path", "direct").timer().count()).isOne();
        assertThat(spool.size()).isZero();
        assertThat(forwarder.isSpooling()).isFalse();
    }

    @Test
    void shouldSpoolEveryUnacknowledgedBatchInForwardOrderWhenKafkaDoesNotAnswer() throws Exception {
        start();

        List<CompletableFuture<Durability>> direct = List.of(forward("a", 1), forward("b", 1), forward("a", 2));
        for (CompletableFuture<Durability> result : direct) {
            assertThat(result.get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        }
        assertThat(forwarder.isSpooling()).isTrue();
        assertThat(forward("b", 2).get(10, TimeUnit.SECONDS)).as("while spooling").isEqualTo(Durability.SPOOL);

        assertThat(spooledBatches()).containsExactly(batch("a", 1), batch("b", 1), batch("a", 2), batch("b", 2));
        assertThat(registry.get("dams.bridge.spool.records").gauge().value()).isEqualTo(4);
        assertThat(registry.get("dams.bridge.spool.bytes").gauge().value()).isPositive();
    }

    @Test
    void shouldKeepSendingDirectlyWhileKafkaAcknowledgesThoughLaterThanSpoolAfter() throws Exception {
        // Kafka acknowledges one batch every 100 ms while 15 wait: the oldest waits up to 1.5 s, beyond spoolAfter
        // (1 s here), yet Kafka is plainly there. An overloaded bridge must not add spooling to its work.
        Duration spoolAfter = Duration.ofSeconds(1);
        spool = DiskQueue.open(spoolFile(), ByteSize.ofMebibytes(16));
        forwarder = new KafkaForwarder(settings(spoolAfter), producer, spool, registry);
        forwarder.start();
        List<CompletableFuture<Durability>> results = new ArrayList<>();
        for (int seq = 1; seq <= 15; seq++) {
            results.add(forward("a", seq));
        }
        long start = System.nanoTime();

        await().pollInterval(Duration.ofMillis(100)).atMost(WITHIN).until(() -> {
            producer.completeNext();
            return results.stream().allMatch(CompletableFuture::isDone);
        });

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the test's premise: the last waited > spoolAfter")
                .isGreaterThan(spoolAfter);
        assertThat(results).allSatisfy(r -> assertThat(r.get()).isEqualTo(Durability.KAFKA));
        assertThat(forwarder.isSpooling()).isFalse();
        assertThat(spool.size()).isZero();
    }

    @Test
    void shouldNotSpoolWhileKafkaAcknowledgesThoughTheEventsThreadIsBusy() throws Exception {
        // The events thread handles acknowledgements and runs the agents' completion callbacks; under a storm of TLS
        // handshakes it runs late. Kafka acknowledging meanwhile has not stalled, however late the events thread sees it.
        start();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<CompletableFuture<Durability>> results = new ArrayList<>();
        results.add(forward("a", 1).whenComplete((d, e) -> {
            busy.countDown();
            try {
                release.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
        }));
        for (int seq = 2; seq <= 8; seq++) {
            results.add(forward("a", seq));
        }
        producer.completeNext();
        assertThat(busy.await(WITHIN.toMillis(), TimeUnit.MILLISECONDS)).as("the events thread is held").isTrue();
        long heldSince = System.nanoTime();

        // Kafka acknowledges the other seven, one every 100 ms, while the events thread cannot look at them.
        await().pollInterval(Duration.ofMillis(100)).atMost(WITHIN).until(() -> !producer.completeNext());
        long held = System.nanoTime() - heldSince;
        release.countDown();

        await().atMost(WITHIN).until(() -> results.stream().allMatch(CompletableFuture::isDone));
        assertThat(Duration.ofNanos(held)).as("the test's premise: held longer than spoolAfter").isGreaterThan(SPOOL_AFTER);
        assertThat(results).allSatisfy(r -> assertThat(r.get()).isEqualTo(Durability.KAFKA));
        assertThat(forwarder.isSpooling()).isFalse();
        assertThat(spool.size()).isZero();
    }

    @Test
    void shouldReplayTheSpoolInOrderThenGoBackToDirectSends() throws Exception {
        start();
        forward("a", 1);
        forward("b", 1);
        await().atMost(WITHIN).until(forwarder::isSpooling);
        assertThat(forward("a", 2).get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);

        // Kafka is back: everything the producer holds is acknowledged, the direct sends first.
        await().atMost(WITHIN).until(() -> {
            while (producer.completeNext()) {
                // acknowledge whatever has been sent so far
            }
            return !forwarder.isSpooling() && spool.size() == 0;
        });
        CompletableFuture<Durability> after = forward("a", 3);
        producer.completeNext();

        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(Durability.KAFKA);
        assertThat(spool.size()).isZero();
        assertThat(firstOccurrences("a")).containsExactly(1L, 2L, 3L);
        assertThat(firstOccurrences("b")).containsExactly(1L);
        assertThat(registry.get("dams.bridge.forwarded.batches").tag("path", "spool").counter().count()).isEqualTo(3);
        assertThat(registry.get("dams.bridge.forward.late.acks").counter().count())
                .as("the two direct sends acknowledged after they were spooled").isEqualTo(2);
        assertThat(registry.get("dams.bridge.forward.latency").tag("path", "spool").timer().count()).isEqualTo(3);
    }

    @Test
    void shouldReturnToDirectSendsWhileBatchesKeepArrivingAsFastAsTheSpoolDrains() throws Exception {
        start();
        forward("a", 1);
        await().atMost(WITHIN).until(forwarder::isSpooling);
        // Batches arrive without pause: the spool is refilled as fast as the replayer drains it, so it is never seen
        // empty. The replayer must still hand over once what is left fits one chunk.
        java.util.concurrent.atomic.AtomicLong lastSeq = new java.util.concurrent.atomic.AtomicLong(1);
        java.util.concurrent.atomic.AtomicBoolean directSeenWhileArriving = new java.util.concurrent.atomic.AtomicBoolean();
        Thread arrivals = new Thread(() -> {
            long deadline = System.nanoTime() + WITHIN.toNanos();
            while (!directSeenWhileArriving.get() && System.nanoTime() < deadline) {
                // Each as soon as the one before is durable, as the bridge's bound on bytes in flight paces them.
                forward("a", lastSeq.incrementAndGet()).join();
                directSeenWhileArriving.set(!forwarder.isSpooling());
            }
        });
        arrivals.start();

        await().atMost(WITHIN).until(() -> {
            while (producer.completeNext()) {
                // Kafka is back: acknowledge whatever has been sent so far
            }
            return !arrivals.isAlive();
        });
        await().atMost(WITHIN).until(() -> {
            while (producer.completeNext()) {
                // the rest
            }
            return spool.size() == 0;
        });

        assertThat(directSeenWhileArriving).as("back to direct sends while batches kept arriving").isTrue();
        List<Long> expected = java.util.stream.LongStream.rangeClosed(1, lastSeq.get()).boxed().toList();
        assertThat(firstOccurrences("a")).as("every batch, in order").isEqualTo(expected);
    }

    @Test
    void shouldSpoolAtOnceWhenASendFails() throws Exception {
        start();
        CompletableFuture<Durability> first = forward("a", 1);
        CompletableFuture<Durability> second = forward("a", 2);

        producer.errorNext(new TimeoutException("Topic dams.metrics.raw not present in metadata after 300 ms."));

        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        assertThat(spooledBatches()).containsExactly(batch("a", 1), batch("a", 2));
    }

    @Test
    void shouldSpoolWhenTheRegistrySerializerFails() throws Exception {
        start();
        producer.sendException = new SerializationException("Error serializing Avro message",
                new java.net.ConnectException("Connection refused"));

        assertThat(forward("a", 1).get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        assertThat(forwarder.isSpooling()).isTrue();
        assertThat(spooledBatches()).containsExactly(batch("a", 1));
    }

    @Test
    void shouldFailABatchKafkaRefusesAsTooLargeWithoutSpooling() {
        start();
        CompletableFuture<Durability> tooLarge = forward("a", 1);

        producer.errorNext(new RecordTooLargeException("The message is 2000000 bytes"));

        assertThat(tooLarge).failsWithin(WITHIN).withThrowableThat().havingCause()
                .isInstanceOf(RecordTooLargeException.class);
        assertThat(forwarder.isSpooling()).isFalse();
        assertThat(spool.size()).isZero();
        assertThat(registry.get("dams.bridge.forward.rejected").tag("reason", "too_large").counter().count()).isOne();
    }

    @Test
    void shouldReplayASpoolLeftByAPreviousRunBeforeAnyNewBatch() throws Exception {
        try (DiskQueue previous = DiskQueue.open(spoolFile(), ByteSize.ofMebibytes(16))) {
            previous.append(SpoolCodec.encode(EncodedBatch.encode(batch("a", 1))));
            previous.append(SpoolCodec.encode(EncodedBatch.encode(batch("a", 2))));
        }
        start();
        assertThat(forwarder.isSpooling()).isTrue();

        assertThat(forward("a", 3).get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        await().atMost(WITHIN).until(() -> {
            producer.completeNext();
            return !forwarder.isSpooling();
        });

        assertThat(firstOccurrences("a")).containsExactly(1L, 2L, 3L);
        assertThat(producer.history()).hasSize(3);
    }

    @Test
    void shouldKeepASpoolRecordUntilKafkaAcknowledgesIt() throws Exception {
        try (DiskQueue previous = DiskQueue.open(spoolFile(), ByteSize.ofMebibytes(16))) {
            previous.append(SpoolCodec.encode(EncodedBatch.encode(batch("a", 1))));
        }
        start();
        await().atMost(WITHIN).until(() -> producer.history().size() == 1);

        producer.errorNext(new TimeoutException("Expiring 1 record(s)"));
        assertThat(spool.size()).as("after a failed replay").isOne();

        await().atMost(WITHIN).until(() -> producer.history().size() == 2);
        producer.completeNext();
        await().atMost(WITHIN).until(() -> !forwarder.isSpooling());
        assertThat(spool.size()).isZero();
        assertThat(sentBatches()).containsExactly(batch("a", 1), batch("a", 1));
    }

    @Test
    void shouldSpoolWhatKafkaHasNotAcknowledgedWhenClosed() throws Exception {
        start();
        CompletableFuture<Durability> unacknowledged = forward("a", 1);

        forwarder.close();

        assertThat(unacknowledged.get(0, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        assertThat(producer.closed()).isTrue();
        assertThat(forward("a", 2)).failsWithin(WITHIN).withThrowableThat().havingCause()
                .isInstanceOf(IllegalStateException.class);
        assertThat(registry.find("dams.bridge.spool.records").gauge()).as("meters removed").isNull();
        try (DiskQueue reopened = DiskQueue.open(spoolFile(), ByteSize.ofMebibytes(16))) {
            assertThat(reopened.peek(10)).singleElement()
                    .satisfies(e -> assertThat(SpoolCodec.decode(e.payload()).decode()).isEqualTo(batch("a", 1)));
        }
    }

    @Test
    void shouldDropTheOldestSpooledBatchesWhenTheSpoolIsFullAndCountThem() throws Exception {
        spool = DiskQueue.open(spoolFile(), new ByteSize(SpoolCodec.encode(EncodedBatch.encode(batch("a", 1))).length * 2L));
        producer.sendException = new SerializationException("registry unreachable");
        forwarder = new KafkaForwarder(settings(), producer, spool, registry);
        forwarder.start();

        for (int seq = 1; seq <= 5; seq++) {
            assertThat(forward("a", seq).get(10, TimeUnit.SECONDS)).isEqualTo(Durability.SPOOL);
        }

        assertThat(spooledBatches()).containsExactly(batch("a", 4), batch("a", 5));
        assertThat(registry.get("dams.bridge.spool.dropped.records").functionCounter().count()).isEqualTo(3);
        assertThat(forwarder.health()).containsEntry("kafka", "spooling").containsEntry("spoolRecords", 2L)
                .containsEntry("spoolDroppedRecords", 3L);
    }

    @Test
    void shouldConfigureAnIdempotentCompressedPromptProducer() {
        Map<String, Object> config = KafkaForwarder.producerConfig(settings());

        assertThat(config).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd")
                .containsEntry(ProducerConfig.LINGER_MS_CONFIG, 5)
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, SPOOL_AFTER.toMillis())
                .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        assertThat(String.valueOf(config.get(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG)))
                .isEqualTo(FramedBatchSerializer.class.getName());
        assertThat(config).containsEntry(ProducerConfig.BATCH_SIZE_CONFIG, KafkaForwarder.BATCH_BYTES)
                .containsEntry(ProducerConfig.BUFFER_MEMORY_CONFIG,
                        2 * ForwarderSettings.DEFAULT_MAX_IN_FLIGHT.bytes() + 32L * 1024 * 1024);
    }

    @Test
    void shouldRoundTripABatchThroughTheSpoolFormatAndRefuseOtherBytes() throws Exception {
        MetricBatch batch = batch("a", 7);

        EncodedBatch decoded = SpoolCodec.decode(SpoolCodec.encode(EncodedBatch.encode(batch)));

        assertThat(decoded.decode()).isEqualTo(batch);
        assertThat(decoded.assetId()).isEqualTo("a");
        assertThat(decoded.agentId()).isEqualTo("agent-a");
        assertThat(decoded.seq()).isEqualTo(7);
        // Avro's own single-object encoding, so spools written by earlier versions of the bridge still replay.
        java.nio.ByteBuffer avroSingleObject = MetricBatch.getEncoder().encode(batch);
        byte[] earlier = new byte[avroSingleObject.remaining()];
        avroSingleObject.get(earlier);
        assertThat(SpoolCodec.decode(earlier).decode()).isEqualTo(batch);
        assertThat(SpoolCodec.encode(decoded)).isEqualTo(earlier);
        assertThatThrownBy(() -> SpoolCodec.decode(new byte[] {1, 2, 3}))
                .isInstanceOf(IOException.class);
    }

    private void start() {
        spool = DiskQueue.open(spoolFile(), ByteSize.ofMebibytes(16));
        forwarder = new KafkaForwarder(settings(), producer, spool, registry);
        forwarder.start();
    }

    private ForwarderSettings settings() {
        return settings(SPOOL_AFTER);
    }

    private ForwarderSettings settings(Duration spoolAfter) {
        ForwarderSettings d = ForwarderSettings.defaults();
        return new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), spoolAfter, dir,
                d.spoolCapacity(), d.compression());
    }

    private Path spoolFile() {
        return dir.resolve(KafkaForwarder.SPOOL_FILE);
    }

    private CompletableFuture<Durability> forward(String asset, long seq) {
        CompletionStage<Durability> stage = forwarder.forward(EncodedBatch.encode(batch(asset, seq)));
        return stage.toCompletableFuture();
    }

    private List<MetricBatch> spooledBatches() {
        return spool.peek(1000).stream().map(e -> {
            try {
                return SpoolCodec.decode(e.payload()).decode();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }).toList();
    }

    private List<MetricBatch> sentBatches() {
        return producer.history().stream().map(r -> {
            try {
                return r.value().decode();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }).toList();
    }

    /** The seqs of one asset in the order they first reached Kafka; repeats are duplicates, dropped downstream. */
    private List<Long> firstOccurrences(String asset) {
        return new ArrayList<>(producer.history().stream()
                .filter(r -> r.key().equals(asset))
                .map(r -> r.value().seq())
                .collect(Collectors.toCollection(LinkedHashSet::new)));
    }

    static MetricBatch batch(String asset, long seq) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("mount", "/");
        return MetricBatch.newBuilder()
                .setAssetId(asset).setAgentId("agent-" + asset).setSeq(seq).setRegion("eu-west-1")
                .setSentAt(1_700_000_000_000L + seq).setReceivedAt(1_700_000_000_100L + seq)
                .setSamples(List.of(
                        Sample.newBuilder().setName("cpu_percent").setTimestampMs(1_700_000_000_000L + seq)
                                .setValue(seq).build(),
                        Sample.newBuilder().setName("disk_used_percent").setLabels(labels)
                                .setTimestampMs(1_700_000_000_000L + seq).setValue(50.0 + seq).build()))
                .build();
    }
}
