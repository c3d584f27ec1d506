package io.dams.bridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.dams.bridge.RandomBatches;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The bridge's own reading of a Batch against protobuf's generated parser, which agents' bytes are written for. */
class WireBatchTest {

    @Test
    void shouldReadWhatTheGeneratedParserReadsFromRandomBatches() throws Exception {
        Random random = new Random(20261124);
        for (int round = 0; round < 2_000; round++) {
            Batch batch = RandomBatches.batch(random, false);

            assertThat(read(WireBatch.parse(batch.toByteArray()))).as("round %d", round).isEqualTo(batch);
        }
    }

    @Test
    void shouldReadFieldsInAnyOrderKeepTheLastOfARepeatedScalarAndSkipUnknownFields() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        // A later field first, unknown fields of every wire type at each level, and fields given twice.
        out.writeUInt64(3, 41);
        out.writeMessage(6, Sample.newBuilder().setName("first").build());
        out.writeString(1, "node-1");
        out.writeFixed32(99, 7);
        out.writeUInt64(3, 42);
        out.writeBytes(6, sampleWithUnknownFields());
        out.writeString(4, "eu-west-1");
        out.writeFixed64(98, 7);
        out.writeString(2, "agent-1");
        out.writeInt64(5, -3);
        out.writeInt64(97, 7);
        out.writeString(96, "unknown");
        out.writeGroup(95, Label.newBuilder().setName("inside a group").build());
        out.flush();

        byte[] wire = bytes.toByteArray();

        assertThat(read(WireBatch.parse(wire))).isEqualTo(withoutUnknownFields(Batch.parseFrom(wire)));
        assertThat(WireBatch.parse(wire).seq()).isEqualTo(42);
    }

    @Test
    void shouldRefuseEveryTruncationTheGeneratedParserRefusesAndReadTheSameFromTheRest() throws Exception {
        byte[] whole = RandomBatches.batch(new Random(7), false).toBuilder().setSeq(Long.MAX_VALUE).build().toByteArray();
        int refused = 0;
        for (int length = 0; length < whole.length; length++) {
            byte[] prefix = Arrays.copyOf(whole, length);
            Optional<Batch> expected = generated(prefix);

            if (expected.isPresent()) {
                assertThat(read(WireBatch.parse(prefix))).as("first %d bytes", length).isEqualTo(expected.get());
            } else {
                refused++;
                assertThatThrownBy(() -> WireBatch.parse(prefix)).as("first %d bytes", length)
                        .isInstanceOf(InvalidProtocolBufferException.class);
            }
        }
        assertThat(refused).isGreaterThan(whole.length / 2);
    }

    @Test
    void shouldLeaveAnInvalidLabelValueToValidationButRefuseAnInvalidHeader() throws Exception {
        byte[] invalid = {(byte) 0xc3, (byte) 0x28};
        byte[] badValue = withLabelValue(invalid);
        byte[] badAsset = Batch.newBuilder().setAssetIdBytes(ByteString.copyFromUtf8("ok")).build().toByteArray();
        badAsset[badAsset.length - 1] = (byte) 0xff;

        WireBatch batch = WireBatch.parse(badValue);
        assertThat(batch.sampleCount()).isEqualTo(1);
        assertThat(Arrays.copyOfRange(batch.bytes(), batch.labelValueAt(0),
                batch.labelValueAt(0) + batch.labelValueLength(0))).isEqualTo(invalid);
        assertThat(generated(badValue)).as("the generated parser refuses the whole batch").isEmpty();
        assertThatThrownBy(() -> WireBatch.parse(badAsset)).isInstanceOf(InvalidProtocolBufferException.class);
    }

    @Test
    void shouldHandTheServiceBytesThatAreNoBatchWithTheReason() {
        var marshaller = WireBatch.MARSHALLER;
        byte[] truncated = Arrays.copyOf(BATCH.toByteArray(), 10);

        WireBatch malformed = marshaller.parse(new ByteArrayInputStream(truncated));

        assertThat(malformed.malformed()).contains("truncated");
        assertThat(malformed.sampleCount()).isZero();
        WireBatch wellFormed = marshaller.parse(marshaller.stream(WireBatch.of(BATCH)));
        assertThat(wellFormed.malformed()).isNull();
        assertThat(read(wellFormed)).isEqualTo(BATCH);
    }

    private static final Batch BATCH = Batch.newBuilder().setAssetId("node-1").setAgentId("agent-1").setSeq(9)
            .setRegion("eu-west-1").setSentAtMs(1_750_000_000_000L)
            .addSamples(Sample.newBuilder().setName("disk_used_percent").setTimestampMs(1_750_000_000_000L)
                    .setValue(40.5).addLabels(Label.newBuilder().setName("mount").setValue("/")))
            .build();

    /** The wire batch as a generated message again: header, and every sample with its labels in order. */
    private static Batch read(WireBatch wire) {
        return Batch.newBuilder().setAssetId(wire.assetId()).setAgentId(wire.agentId()).setSeq(wire.seq())
                .setRegion(wire.region()).setSentAtMs(wire.sentAtMs())
                .addAllSamples(IntStream.range(0, wire.sampleCount()).mapToObj(wire::sample).toList())
                .build();
    }

    /** What the generated parser kept of unknown fields, which the bridge has no use for, taken off again. */
    private static Batch withoutUnknownFields(Batch batch) {
        Batch.Builder known = batch.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance()).clearSamples();
        for (Sample sample : batch.getSamplesList()) {
            Sample.Builder knownSample = sample.toBuilder().setUnknownFields(UnknownFieldSet.getDefaultInstance())
                    .clearLabels();
            sample.getLabelsList().forEach(label -> knownSample.addLabels(label.toBuilder()
                    .setUnknownFields(UnknownFieldSet.getDefaultInstance())));
            known.addSamples(knownSample);
        }
        return known.build();
    }

    private static Optional<Batch> generated(byte[] bytes) {
        try {
            return Optional.of(Batch.parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
            return Optional.empty();
        }
    }

    /** A sample whose name, timestamp and labels come with unknown fields among them and the name twice. */
    private static ByteString sampleWithUnknownFields() throws IOException {
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeDouble(4, 1.5);
        out.writeString(1, "ignored, a later name wins");
        out.writeUInt32(50, 1);
        out.writeMessage(2, Label.newBuilder().setName("core").setValue("0").build());
        out.writeString(1, "cpu_percent");
        ByteString.Output label = ByteString.newOutput();
        CodedOutputStream labelOut = CodedOutputStream.newInstance(label);
        labelOut.writeString(2, "1");
        labelOut.writeFixed64(9, 3);
        labelOut.writeString(1, "cpu");
        labelOut.flush();
        out.writeBytes(2, label.toByteString());
        out.writeInt64(3, 1_750_000_000_000L);
        out.writeMessage(2, Label.getDefaultInstance());
        out.flush();
        return bytes.toByteString();
    }

    /** A batch with one sample whose one label has the raw {@code value} bytes, which the generated setter refuses. */
    private static byte[] withLabelValue(byte[] value) throws IOException {
        ByteString.Output label = ByteString.newOutput();
        CodedOutputStream labelOut = CodedOutputStream.newInstance(label);
        labelOut.writeString(1, "path");
        labelOut.writeByteArray(2, value);
        labelOut.flush();
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeString(1, "node-1");
        out.writeBytes(6, Sample.newBuilder().setName("m").build().toByteString()
                .concat(tagged(2, label.toByteString())));
        out.flush();
        return bytes.toByteString().toByteArray();
    }

    private static ByteString tagged(int field, ByteString message) throws IOException {
        ByteString.Output bytes = ByteString.newOutput();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeBytes(field, message);
        out.flush();
        return bytes.toByteString();
    }
}
