package io.dams.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import io.dams.schemas.ingest.v1.maplabels.MapLabelledBatch;
import io.dams.schemas.ingest.v1.maplabels.MapLabelledSample;
import org.junit.jupiter.api.Test;

/**
 * {@code Sample.labels} was {@code map<string, string>} and is now {@code repeated Label}: agents and bridges on
 * either side of that change must read each other's batches. {@code MapLabelledBatch} is the old form.
 */
class LabelWireCompatibilityTest {

    @Test
    void shouldReadLabelsWrittenAsAMapAsLabelsInTheirOrder() throws Exception {
        MapLabelledBatch old = MapLabelledBatch.newBuilder()
                .setAssetId("node-42").setAgentId("agent-42").setSeq(7).setRegion("eu-west-1").setSentAtMs(1_700L)
                .addSamples(MapLabelledSample.newBuilder().setName("disk_used_percent")
                        .putLabels("mount", "/").putLabels("device", "sda1").putLabels("empty", "")
                        .putLabels("", "no name").putLabels("größe", "値 \uD83D\uDE00")
                        .setTimestampMs(1_700_000_000_000L).setValue(97.5))
                .addSamples(MapLabelledSample.newBuilder().setName("up").setValue(1))
                .build();

        Batch read = Batch.parseFrom(old.toByteArray());

        assertThat(read.getAssetId()).isEqualTo("node-42");
        assertThat(read.getSeq()).isEqualTo(7);
        assertThat(read.getSamplesCount()).isEqualTo(2);
        Sample disk = read.getSamples(0);
        assertThat(disk.getName()).isEqualTo("disk_used_percent");
        assertThat(disk.getLabelsList()).containsExactly(label("mount", "/"), label("device", "sda1"),
                label("empty", ""), label("", "no name"), label("größe", "値 \uD83D\uDE00"));
        assertThat(disk.getTimestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(disk.getValue()).isEqualTo(97.5);
        assertThat(disk.getUnknownFields().asMap()).isEmpty();
        assertThat(read.getSamples(1).getLabelsList()).isEmpty();
        assertThat(read.getSamples(1).getValue()).isEqualTo(1);
    }

    @Test
    void shouldReadLabelsAsAMapWhenWrittenAsLabels() throws Exception {
        Batch batch = Batch.newBuilder().setAssetId("node-42").setSeq(8)
                .addSamples(Sample.newBuilder().setName("disk_used_percent")
                        .addLabels(label("mount", "/")).addLabels(label("device", "sda1"))
                        .addLabels(label("empty", "")).addLabels(label("", "no name"))
                        .addLabels(label("größe", "値 \uD83D\uDE00"))
                        .setTimestampMs(1_700_000_000_000L).setValue(97.5))
                .build();

        MapLabelledBatch read = MapLabelledBatch.parseFrom(batch.toByteArray());

        assertThat(read.getSeq()).isEqualTo(8);
        MapLabelledSample disk = read.getSamples(0);
        assertThat(disk.getLabelsMap()).containsExactly(entry("mount", "/"), entry("device", "sda1"),
                entry("empty", ""), entry("", "no name"), entry("größe", "値 \uD83D\uDE00"));
        assertThat(disk.getTimestampMs()).isEqualTo(1_700_000_000_000L);
        assertThat(disk.getValue()).isEqualTo(97.5);
        assertThat(disk.getUnknownFields().asMap()).isEmpty();
    }

    @Test
    void shouldWriteLabelsByteForByteLikeTheMapDid() {
        // Equal bytes only for non-empty names and values: a map entry writes an empty key or value, a Label omits it.
        MapLabelledSample old = MapLabelledSample.newBuilder().setName("cpu_percent")
                .putLabels("core", "1").putLabels("mode", "user").putLabels("zone", "ü").setValue(3).build();
        Sample now = Sample.newBuilder().setName("cpu_percent")
                .addLabels(label("core", "1")).addLabels(label("mode", "user")).addLabels(label("zone", "ü"))
                .setValue(3).build();

        assertThat(now.toByteArray()).isEqualTo(old.toByteArray());
    }

    @Test
    void shouldLetAMapReaderKeepTheLastOfTwoLabelsWithTheSameName() throws Exception {
        // Why the bridge refuses DUPLICATE_LABEL_NAME: a reader of the old form would silently drop one of them.
        Sample twice = Sample.newBuilder().setName("m")
                .addLabels(label("core", "1")).addLabels(label("mode", "user")).addLabels(label("core", "2")).build();

        MapLabelledSample read = MapLabelledSample.parseFrom(twice.toByteArray());

        assertThat(read.getLabelsMap()).containsOnly(entry("core", "2"), entry("mode", "user"));
    }

    private static Label label(String name, String value) {
        return Label.newBuilder().setName(name).setValue(value).build();
    }
}
