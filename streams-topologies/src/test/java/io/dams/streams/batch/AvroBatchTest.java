package io.dams.streams.batch;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.streams.LoneStores;
import io.dams.streams.SeriesKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.Test;

class AvroBatchTest {

    static final long T = 1_740_823_200_000L;


    /** Batches with awkward contents: no labels, many labels, non-ASCII, negative and huge numbers, site and tags. */
    static List<MetricBatch> awkwardBatches(long seed, int count) {
        Random random = new Random(seed);
        List<MetricBatch> batches = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            List<Sample> samples = new ArrayList<>();
            int n = random.nextInt(b == 0 ? 1 : 150);
            for (int i = 0; i < n; i++) {
                Map<String, String> labels = new LinkedHashMap<>();
                for (int l = random.nextInt(5); l > 0; l--) {
                    labels.put("l" + random.nextInt(8), random.nextBoolean() ? "vé" + random.nextInt(300) : "");
                }
                double value = switch (random.nextInt(5)) {
                    case 0 -> -0.0;
                    case 1 -> Double.MAX_VALUE;
                    case 2 -> Double.NaN;
                    default -> random.nextGaussian() * 1e6;
                };
                long timestamp = random.nextBoolean() ? T + random.nextInt(100_000) : random.nextLong();
                samples.add(sample("m_" + random.nextInt(40) + (random.nextBoolean() ? "ü" : ""), labels, timestamp,
                        value));
            }
            MetricBatch batch = batch("asset-" + b + "ß", "agent-" + random.nextInt(9), random.nextLong(),
                    random.nextBoolean() ? "eu-west-1" : "", samples);
            batch.setSentAt(random.nextLong());
            batch.setReceivedAt(random.nextInt(3) == 0 ? 0 : T + b);
            if (random.nextBoolean()) {
                batch.setSite("site-" + b);
                batch.setTags(Map.of("env", "prod", "rack", "r" + b));
            }
            batches.add(batch);
        }
        return batches;
    }

    @Test
    void shouldReadEveryFieldAsAvroDoes() {
        for (MetricBatch record : awkwardBatches(42, 200)) {
            AvroBatch batch = AvroBatch.of(record);
            assertThat(batch.assetId()).isEqualTo(record.getAssetId());
            assertThat(batch.agentId()).isEqualTo(record.getAgentId());
            assertThat(batch.seq()).isEqualTo(record.getSeq());
            assertThat(batch.region()).isEqualTo(record.getRegion());
            assertThat(batch.sentAt()).isEqualTo(record.getSentAt());
            assertThat(batch.receivedAt()).isEqualTo(record.getReceivedAt());
            assertThat(batch.size()).isEqualTo(record.getSamples().size());
            long newest = Long.MIN_VALUE;
            for (int i = 0; i < batch.size(); i++) {
                Sample sample = record.getSamples().get(i);
                assertThat(batch.series(i)).isEqualTo(SeriesKey.of(sample));
                assertThat(batch.name(i)).isEqualTo(sample.getName());
                assertThat(batch.timestamp(i)).isEqualTo(sample.getTimestampMs());
                assertThat(Double.doubleToRawLongBits(batch.value(i)))
                        .isEqualTo(Double.doubleToRawLongBits(sample.getValue()));
                newest = Math.max(newest, sample.getTimestampMs());
            }
            assertThat(batch.newestTimestamp()).isEqualTo(newest);
            assertThat(batch.toRecord()).isEqualTo(record);
        }
    }

    @Test
    void shouldReadArraysAndMapsWrittenInSeveralBlocks() throws IOException {
        // Avro's blocking encoder writes negative block counts followed by each block's size in bytes.
        MetricBatch record = awkwardBatches(7, 3).get(2);
        record.getSamples().add(sample("m", new TreeMap<>(Map.of("a", "1", "b", "2", "c", "3")), T, 1));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
        new SpecificDatumWriter<>(MetricBatch.getClassSchema()).write(record, encoder);
        encoder.flush();
        byte[] blocked = out.toByteArray();
        assertThat(blocked).as("the blocking encoder wrote other bytes").isNotEqualTo(AvroBatch.of(record).toByteArray());

        AvroBatch batch = AvroBatch.read(blocked);
        assertThat(batch.toRecord()).isEqualTo(record);
        assertThat(batch.size()).isEqualTo(record.getSamples().size());
        for (int i = 0; i < batch.size(); i++) {
            assertThat(batch.series(i)).isEqualTo(SeriesKey.of(record.getSamples().get(i)));
        }
        assertThat(batch.without(new BitSet()).toRecord()).isEqualTo(record);
    }

    @Test
    void shouldEnrichWithRegionSiteAndTagsCopyingTheRest() {
        for (MetricBatch record : awkwardBatches(3, 50)) {
            for (String region : List.of("", "ap-southeast-2", "région-très-longue-".repeat(10))) {
                AvroBatch enriched = AvroBatch.of(record).enriched(region,
                        AvroBatch.siteAndTags("site-é", Map.of("env", "prod")));
                MetricBatch expected = MetricBatch.newBuilder(record).setRegion(region).setSite("site-é")
                        .setTags(Map.of("env", "prod")).build();
                assertThat(enriched.toRecord()).isEqualTo(expected);
                assertThat(enriched.region()).isEqualTo(region);
                assertThat(enriched.size()).isEqualTo(record.getSamples().size());
                // Made without reading the batch again: every sample must still be found where it now lies.
                AvroBatch reread = AvroBatch.read(enriched.toByteArray());
                for (int i = 0; i < enriched.size(); i++) {
                    assertThat(enriched.series(i)).isEqualTo(reread.series(i));
                    assertThat(enriched.name(i)).isEqualTo(reread.name(i));
                    assertThat(enriched.timestamp(i)).isEqualTo(reread.timestamp(i));
                }
                byte[] prefix = {0, 0, 0, 0, 42};
                byte[] framed = enriched.framed(prefix);
                assertThat(Arrays.copyOf(framed, 5)).isEqualTo(prefix);
                assertThat(Arrays.copyOfRange(framed, 5, framed.length)).isEqualTo(enriched.toByteArray());
                assertThat(enriched.framed(new byte[0])).isEqualTo(enriched.toByteArray());
                AvroBatch unsited = AvroBatch.of(record).enriched(region, AvroBatch.siteAndTags(null, Map.of()));
                assertThat(unsited.toRecord().getSite()).isNull();
                assertThat(unsited.toRecord().getTags()).isEmpty();
            }
        }
    }

    @Test
    void shouldDropTheChosenSamplesAndKeepTheRestAsTheyWere() {
        Random random = new Random(11);
        for (MetricBatch record : awkwardBatches(5, 60)) {
            int n = record.getSamples().size();
            BitSet dropped = new BitSet();
            List<Sample> kept = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (random.nextInt(4) == 0) {
                    dropped.set(i);
                } else {
                    kept.add(record.getSamples().get(i));
                }
            }
            AvroBatch without = AvroBatch.of(record).without(dropped);
            assertThat(without.toRecord()).isEqualTo(MetricBatch.newBuilder(record).setSamples(kept).build());
            assertThat(without.size()).isEqualTo(kept.size());
        }
    }

    @Test
    void shouldNameTheFieldWhereBytesAreNotABatch() {
        byte[] bytes = AvroBatch.of(awkwardBatches(9, 2).get(1)).toByteArray();
        for (int cut = 0; cut < bytes.length; cut++) {
            byte[] truncated = Arrays.copyOf(bytes, cut);
            assertThatThrownBy(() -> AvroBatch.read(truncated)).isInstanceOf(SerializationException.class)
                    .hasMessageStartingWith("not a MetricBatch in Avro binary at byte ");
        }
        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> AvroBatch.read(trailing)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("1 bytes after the batch");
        assertThatThrownBy(() -> AvroBatch.read(new byte[] {(byte) 0x81})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("asset_id");
    }

    @Test
    void shouldLookAtNamesAsTheirBytes() {
        AvroBatch batch = AvroBatch.of(batch("a", "g", 1, "r", List.of(
                sample("ok", new TreeMap<>(Map.of("a", "1", "bad-name", "2")), T, 1))));
        List<String> seen = new ArrayList<>();
        int verdict = batch.checkNames(0, new AvroBatch.NameCheck() {
            @Override
            public int metricName(byte[] bytes, int at, int length) {
                seen.add("metric " + new String(bytes, at, length));
                return -1;
            }

            @Override
            public int labelName(byte[] bytes, int at, int length) {
                seen.add("label " + new String(bytes, at, length));
                return new String(bytes, at, length).contains("-") ? 7 : -1;
            }
        });
        assertThat(verdict).isEqualTo(7);
        assertThat(seen).containsExactly("metric ok", "label a", "label bad-name");
    }

    @Test
    void shouldFindOneLayoutForBatchesOfTheSameSeriesAndEqualKeysWhateverTheLabelOrder() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        SeriesLayouts layouts = SeriesLayouts.over(LoneStores.keyValue(SeriesLayouts.STORE, Serdes.ByteArray()));
        AvroBatch first = AvroBatch.of(batch("x", "g", 1, "r", List.of(sample("m", ab, T, 1), sample("n", T, 2))));
        AvroBatch second = AvroBatch.of(batch("y", "h", 2, "r", List.of(sample("m", ab, T + 1, 3), sample("n", T, 4))));
        AvroBatch reordered = AvroBatch.of(batch("x", "g", 3, "r", List.of(sample("m", ba, T, 1), sample("n", T, 2))));

        SeriesLayout layout = layouts.of(first);
        assertThat(layouts.of(second)).as("other asset, other values, same series").isSameAs(layout);
        assertThat(layout.size()).isEqualTo(2);
        assertThat(layout.key(0)).isEqualTo(SeriesKey.of("m", ab)).isEqualTo(first.series(0));
        SeriesLayout other = layouts.of(reordered);
        assertThat(other.id()).as("other bytes, another layout").isNotEqualTo(layout.id());
        assertThat(other.key(0)).as("the same series").isEqualTo(layout.key(0));
        assertThat(SeriesLayouts.reading(LoneStores.keyValue("empty", Serdes.ByteArray())).get(layout.id())).isNull();
    }
}
