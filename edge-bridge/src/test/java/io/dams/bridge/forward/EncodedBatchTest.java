package io.dams.bridge.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.bridge.RandomBatches;
import io.dams.bridge.ingest.WireBatch;
import io.dams.bridge.validation.Validation;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EncodedBatchTest {

    private static final long RECEIVED_AT = 1_750_000_000_123L;

    @Test
    void shouldTranscodeTheBytesTheAvroWriterWritesForTheSameRecord() throws Exception {
        Random random = new Random(20250601);
        for (int round = 0; round < 2_000; round++) {
            Batch batch = RandomBatches.batch(random, true);
            Validation validation = someOf(batch.getSamplesCount(), random);
            List<Sample> accepted = IntStream.range(0, batch.getSamplesCount()).filter(validation::isAccepted)
                    .mapToObj(batch::getSamples).toList();
            long receivedAt = RandomBatches.anyLong(random);
            MetricBatch record = record(batch, accepted, receivedAt);

            EncodedBatch transcoded = EncodedBatch.transcode(WireBatch.of(batch), validation, receivedAt);

            assertThat(transcoded.avro()).as("round %d", round)
                    .isEqualTo(EncodedBatch.encode(record).avro());
            assertThat(transcoded.decode()).as("round %d", round).isEqualTo(record);
            assertThat(transcoded.assetId()).isEqualTo(batch.getAssetId());
            assertThat(transcoded.agentId()).isEqualTo(batch.getAgentId());
            assertThat(transcoded.seq()).isEqualTo(batch.getSeq());
        }
    }

    @Test
    void shouldWriteTheLabelsInTheOrderTheyArrived() throws Exception {
        Sample sample = Sample.newBuilder().setName("disk_used_bytes").setTimestampMs(RECEIVED_AT).setValue(-0.0)
                .addLabels(label("mount", "/")).addLabels(label("device", "sda1")).addLabels(label("a", "")).build();
        Batch batch = Batch.newBuilder().setAssetId("node-1").setAgentId("agent-1").setSeq(-1).setRegion("eu")
                .setSentAtMs(Long.MIN_VALUE).addSamples(sample).build();
        MetricBatch record = record(batch, batch.getSamplesList(), RECEIVED_AT);

        EncodedBatch transcoded = EncodedBatch.transcode(WireBatch.of(batch), new Validation(1, 0, List.of(), null),
                RECEIVED_AT);

        assertThat(transcoded.avro()).isEqualTo(EncodedBatch.encode(record).avro());
        MetricBatch decoded = transcoded.decode();
        assertThat(decoded.getSamples()).singleElement().satisfies(s -> {
            assertThat(s.getLabels()).containsOnly(Map.entry("mount", "/"), Map.entry("device", "sda1"),
                    Map.entry("a", ""));
            assertThat(Double.doubleToRawLongBits(s.getValue())).isEqualTo(Double.doubleToRawLongBits(-0.0));
        });
        assertThat(decoded.getSite()).isNull();
        assertThat(decoded.getTags()).isEmpty();
        assertThat(decoded.getSeq()).isEqualTo(-1);
    }

    /** The record {@code transcode} stands for: what the bridge built and handed to the Avro writer before. */
    private static MetricBatch record(Batch batch, List<Sample> accepted, long receivedAt) {
        List<io.dams.schemas.avro.Sample> samples = new ArrayList<>(accepted.size());
        for (Sample s : accepted) {
            Map<String, String> labels = new LinkedHashMap<>();
            for (Label label : s.getLabelsList()) {
                labels.put(label.getName(), label.getValue());
            }
            samples.add(new io.dams.schemas.avro.Sample(s.getName(), labels, s.getTimestampMs(), s.getValue()));
        }
        return MetricBatch.newBuilder()
                .setAssetId(batch.getAssetId())
                .setAgentId(batch.getAgentId())
                .setSeq(batch.getSeq())
                .setRegion(batch.getRegion())
                .setSentAt(batch.getSentAtMs())
                .setReceivedAt(receivedAt)
                .setSamples(samples)
                .build();
    }

    /** All of {@code count} samples, as for a clean batch, or what validation might keep of them. */
    private static Validation someOf(int count, Random random) {
        BitSet refused = new BitSet(count);
        switch (random.nextInt(3)) {
            case 0 -> {
                return new Validation(count, 0, List.of(), null);
            }
            case 1 -> IntStream.range(0, count).filter(i -> random.nextBoolean()).forEach(refused::set);
            default -> {
                int from = random.nextInt(count + 1);
                int to = from + random.nextInt(count - from + 1);
                refused.set(0, count);
                refused.clear(from, to);
            }
        }
        return new Validation(count - refused.cardinality(), refused.cardinality(), List.of(), refused);
    }

    private static Label label(String name, String value) {
        return Label.newBuilder().setName(name).setValue(value).build();
    }
}
