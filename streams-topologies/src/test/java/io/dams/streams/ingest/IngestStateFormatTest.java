package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.Liveness;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.streams.SeriesKey;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.state.FormatOne;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The ingest stores' values, read back from every format they were written in (changelogs, restores). */
class IngestStateFormatTest {

    static final long T = 1_740_830_400_000L;

    @Test
    void shouldStillReadAssetHealthWrittenInFormatOneWithNoFiringAlerts() {
        AssetState state = new AssetState("eu-west-1", Liveness.DOWN, T, 10_000, 9_800, T + 31_000, T + 30_000);
        byte[] formatOne = FormatOne.value(out -> {
            FormatOne.string(out, "eu-west-1");
            FormatOne.string(out, "DOWN");
            out.writeLong(T);
            out.writeLong(10_000);
            out.writeLong(9_800);
            out.writeLong(T + 31_000);
            out.writeLong(T + 30_000);
        });
        AssetState.Serde serde = new AssetState.Serde();

        assertThat(serde.deserialize("t", formatOne)).isEqualTo(state);
        assertThat(serde.deserialize("t", formatOne).firing()).isEmpty();
    }

    @Test
    void shouldWriteAssetHealthWithItsFiringAlertsAsFormatTwo() {
        AssetState state = new AssetState("eu-west-1", Liveness.UP, T, 10_000, 9_800, T + 31_000, T + 30_000,
                new TreeMap<>(Map.of("0123456789ab", "critical", "ba9876543210", "warning")));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            out.writeByte(2);
            FormatOne.string(out, "eu-west-1");
            FormatOne.string(out, "UP");
            out.writeLong(T);
            out.writeLong(10_000);
            out.writeLong(9_800);
            out.writeLong(T + 31_000);
            out.writeLong(T + 30_000);
            FormatOne.map(out, new TreeMap<>(state.firing()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AssetState.Serde serde = new AssetState.Serde();

        assertThat(serde.serialize("t", state)).isEqualTo(expected.toByteArray());
        assertThat(serde.deserialize("t", expected.toByteArray())).isEqualTo(state);
        assertThat(state.firingBySeverity()).isEqualTo(Map.of("critical", 1, "warning", 1));
    }

    @Test
    void shouldReadHeldBatchesOfFormatOneAndWriteThemAsTheirAvroBinary() {
        MetricBatch plain = batch("a1", "agent-1", 1, "eu-west-1", List.of(sample("up", T, 1),
                sample("cpu_percent", Map.of("core", "0"), T, 12.5)));
        MetricBatch enriched = MetricBatch.newBuilder(plain).setSeq(2).setSite("dub-1").setTags(Map.of("rack", "r7"))
                .setReceivedAt(T + 20).build();
        PendingBatches held = PendingBatches.waiting(T + 5).with(T, AvroBatch.of(plain))
                .with(T + 10_000, AvroBatch.of(enriched));
        byte[] formatOne = FormatOne.value(out -> {
            out.writeLong(T + 5);
            out.writeBoolean(false);
            out.writeInt(2);
            for (PendingBatches.Held h : held.batches()) {
                out.writeLong(h.timestamp());
                MetricBatch b = h.batch().toRecord();
                FormatOne.string(out, b.getAssetId());
                FormatOne.string(out, b.getAgentId());
                out.writeLong(b.getSeq());
                FormatOne.string(out, b.getRegion());
                out.writeLong(b.getSentAt());
                out.writeLong(b.getReceivedAt());
                out.writeInt(b.getSamples().size());
                for (Sample s : b.getSamples()) {
                    FormatOne.string(out, s.getName());
                    FormatOne.map(out, s.getLabels());
                    out.writeLong(s.getTimestampMs());
                    out.writeDouble(s.getValue());
                }
                out.writeBoolean(b.getSite() != null);
                if (b.getSite() != null) {
                    FormatOne.string(out, b.getSite());
                }
                FormatOne.map(out, b.getTags());
            }
        });
        PendingBatches.Serde serde = new PendingBatches.Serde();

        PendingBatches fromFormatOne = serde.deserialize("t", formatOne);
        assertThat(fromFormatOne.batches()).extracting(h -> h.batch().toRecord()).containsExactly(plain, enriched);
        assertThat(fromFormatOne).isEqualTo(held);

        byte[] formatTwo = serde.serialize("t", held);
        assertThat(formatTwo[0]).isEqualTo((byte) 2);
        assertThat(formatTwo.length).as("the batches as their Avro binary, not field by field")
                .isLessThan(formatOne.length);
        assertThat(serde.deserialize("t", formatTwo)).isEqualTo(held);
    }
}
