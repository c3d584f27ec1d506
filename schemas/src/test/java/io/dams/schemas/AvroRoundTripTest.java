package io.dams.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

class AvroRoundTripTest {

    @Test
    void shouldRoundTripAMetricBatchWithDefaultsFilledIn() throws IOException {
        MetricBatch batch = MetricBatch.newBuilder()
                .setAssetId("node-42").setAgentId("agent-42").setSeq(7).setRegion("eu-west-1")
                .setSentAt(1_700_000_000_000L)
                .setSamples(List.of(Sample.newBuilder().setName("disk_used_percent").setLabels(Map.of("mount", "/"))
                        .setTimestampMs(1_700_000_000_000L).setValue(97.5).build()))
                .build();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
        new SpecificDatumWriter<>(MetricBatch.class).write(batch, encoder);
        encoder.flush();
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null);
        MetricBatch decoded = new SpecificDatumReader<>(MetricBatch.class).read(null, decoder);

        assertThat(decoded).isEqualTo(batch);
        assertThat(decoded.getSite()).isNull();
        assertThat(decoded.getTags()).isEmpty();
        assertThat(decoded.getReceivedAt()).isZero();
        assertThat(decoded.getSamples().get(0).getLabels()).containsEntry("mount", "/");
    }
}
