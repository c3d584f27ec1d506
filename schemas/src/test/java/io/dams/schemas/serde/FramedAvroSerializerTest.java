package io.dams.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class FramedAvroSerializerTest {

    /** Stands in for the registry serializer: the Confluent framing with one id per topic, counting its calls. */
    static final class RegistryStandIn implements Serializer<MetricBatch> {
        final Map<String, Integer> ids;
        final List<String> calls = new ArrayList<>();
        int failures;

        RegistryStandIn(Map<String, Integer> ids) {
            this.ids = ids;
        }

        @Override
        public byte[] serialize(String topic, MetricBatch value) {
            calls.add(topic);
            if (failures > 0) {
                failures--;
                throw new SerializationException("registry unreachable");
            }
            return framed(ids.get(topic), value);
        }
    }

    static byte[] framed(int id, MetricBatch value) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0);
            out.write(ByteBuffer.allocate(4).putInt(id).array());
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<>(MetricBatch.class).write(value, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MetricBatch batch(long seq, int samples) {
        List<Sample> list = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            list.add(new Sample("disk_used_percent", Map.of("mount", "/m" + i), 1_700_000_000_000L + seq, i * 0.5));
        }
        return MetricBatch.newBuilder().setAssetId("node-" + seq).setAgentId("agent-1").setSeq(seq)
                .setRegion("eu-west-1").setSentAt(1_700_000_000_000L).setSamples(list).setSite("dub-1")
                .setTags(Map.of("rack", "r7")).build();
    }

    final RegistryStandIn registry = new RegistryStandIn(Map.of("raw", 7, "samples", 300_001));
    final FramedAvroSerializer<MetricBatch> serializer = new FramedAvroSerializer<>(MetricBatch.class, registry);

    @Test
    void shouldWriteTheRegistrySerializersBytesAskingItOnlyForEachTopicsFirstRecord() {
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(serializer.serialize("raw", batch(seq, 3))).isEqualTo(framed(7, batch(seq, 3)));
        }
        assertThat(serializer.serialize("samples", batch(6, 2))).isEqualTo(framed(300_001, batch(6, 2)));
        assertThat(serializer.serialize("samples", batch(7, 2))).isEqualTo(framed(300_001, batch(7, 2)));

        assertThat(registry.calls).containsExactly("raw", "samples");
    }

    @Test
    void shouldAskTheRegistryAgainWhenATopicsFirstRecordFailed() {
        registry.failures = 1;

        assertThatThrownBy(() -> serializer.serialize("raw", batch(1, 1))).isInstanceOf(SerializationException.class);
        assertThat(serializer.serialize("raw", batch(2, 1))).isEqualTo(framed(7, batch(2, 1)));
        assertThat(serializer.serialize("raw", batch(3, 1))).isEqualTo(framed(7, batch(3, 1)));

        assertThat(registry.calls).containsExactly("raw", "raw");
    }

    @Test
    void shouldRefuseARegistrySerializerThatDoesNotWriteTheConfluentFraming() {
        FramedAvroSerializer<MetricBatch> unframed = new FramedAvroSerializer<>(MetricBatch.class,
                (topic, value) -> new byte[]{1, 2, 3, 4, 5, 6});

        assertThatThrownBy(() -> unframed.serialize("raw", batch(1, 1)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Confluent framing");
    }

    @Test
    void shouldWriteNullForNull() {
        assertThat(serializer.serialize("raw", null)).isNull();
        assertThat(registry.calls).isEmpty();
    }

    @Test
    void shouldEncodeSmallRecordsAfterLargeOnesAndFromManyThreadsAtOnce() throws Exception {
        serializer.serialize("raw", batch(0, 1));
        assertThat(serializer.serialize("raw", batch(1, 2_000))).isEqualTo(framed(7, batch(1, 2_000)));
        assertThat(serializer.serialize("raw", batch(2, 1))).isEqualTo(framed(7, batch(2, 1)));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Boolean>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int size = 1 + t * 37;
                work.add(() -> {
                    for (long seq = 0; seq < 200; seq++) {
                        MetricBatch b = batch(seq, size + (int) (seq % 5));
                        if (!java.util.Arrays.equals(serializer.serialize("raw", b), framed(7, b))) {
                            return false;
                        }
                    }
                    return true;
                });
            }
            for (Future<Boolean> done : pool.invokeAll(work)) {
                assertThat(done.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
