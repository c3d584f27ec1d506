package io.dams.bridge.ingest;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One {@code dams.ingest.v1.Batch} as it came off the wire: its protobuf bytes, its header decoded, and for each sample
 * where its name and its labels' names and values lie in those bytes, with its timestamp and value.
 *
 * <p>This is how the bridge reads a Publish request; agents and tests keep protobuf's generated {@link Batch}. The
 * generated parser builds a message object per sample and per label, a list per sample and a {@code String} per name
 * and value, decoding and checking the UTF-8 of each: two thirds of the bridge's work on a sample went there, and
 * every one of those strings was encoded to UTF-8 again for Kafka. Here a batch is one byte array and a few int
 * arrays; validation reads the names in place and the Avro writer copies the very bytes the agent sent.
 *
 * <p>It reads what protobuf's parser reads: fields in any order, a repeated scalar field's last value, unknown
 * fields skipped, and it refuses what that parser refuses (truncated or malformed input, a header string that is not
 * UTF-8), except that the names and label values of samples are not checked for UTF-8 here: validation refuses a bad
 * one as that sample's fault ({@code INVALID_LABEL_VALUE}, or an invalid name) and keeps the rest of the batch, where
 * the generated parser refused the whole batch. {@code WireBatchTest} compares both parsers on random batches.
 *
 * <p>Not thread-safe while parsing; read-only afterwards.
 */
public final class WireBatch {

    /**
     * Reads Publish requests into wire batches. Bytes that are no batch become a batch that says so
     * ({@link #malformed()}), for the service to answer, count and log: thrown from here, the reason would be lost on
     * the way to the agent (gRPC cancels the call as UNKNOWN). Sending a wire batch writes its bytes unchanged.
     */
    public static final MethodDescriptor.Marshaller<WireBatch> MARSHALLER = new Marshaller();

    // Field tags, (number << 3) | wire type, from ingest.proto.
    private static final int BATCH_ASSET_ID = 1 << 3 | 2;
    private static final int BATCH_AGENT_ID = 2 << 3 | 2;
    private static final int BATCH_SEQ = 3 << 3;
    private static final int BATCH_REGION = 4 << 3 | 2;
    private static final int BATCH_SENT_AT_MS = 5 << 3;
    private static final int BATCH_SAMPLES = 6 << 3 | 2;
    private static final int SAMPLE_NAME = 1 << 3 | 2;
    private static final int SAMPLE_LABELS = 2 << 3 | 2;
    private static final int SAMPLE_TIMESTAMP_MS = 3 << 3;
    private static final int SAMPLE_VALUE = 4 << 3 | 1;
    private static final int LABEL_NAME = 1 << 3 | 2;
    private static final int LABEL_VALUE = 2 << 3 | 2;

    // Per sample: name offset, name length, index of its first label, label count.
    private static final int SAMPLE_STRIDE = 4;
    // Per label: name offset, name length, value offset, value length.
    private static final int LABEL_STRIDE = 4;

    private final byte[] bytes;
    private String malformed;
    private String assetId = "";
    private String agentId = "";
    private String region = "";
    private long seq;
    private long sentAtMs;
    private int sampleCount;
    private int[] samples;
    private long[] timestamps;
    private double[] values;
    private int labelCount;
    private int[] labels;

    private WireBatch(byte[] bytes) {
        this.bytes = bytes;
        // A guess from the bytes: an agent's sample with two labels takes ~60 of them.
        int expectedSamples = Math.max(4, bytes.length / 48);
        this.samples = new int[expectedSamples * SAMPLE_STRIDE];
        this.timestamps = new long[expectedSamples];
        this.values = new double[expectedSamples];
        this.labels = new int[expectedSamples * 2 * LABEL_STRIDE];
    }

    /**
     * Reads a serialized {@code Batch}. The array is kept, not copied: do not change it afterwards.
     *
     * @throws InvalidProtocolBufferException when the bytes are not a well-formed batch
     */
    public static WireBatch parse(byte[] bytes) throws InvalidProtocolBufferException {
        WireBatch batch = new WireBatch(bytes);
        CodedInputStream in = CodedInputStream.newInstance(bytes);
        try {
            batch.readBatch(in);
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            // CodedInputStream over an array reports every problem as an InvalidProtocolBufferException.
            throw new InvalidProtocolBufferException(e);
        }
        return batch;
    }

    /** {@code batch} as the bridge would receive it. */
    public static WireBatch of(Batch batch) {
        try {
            return parse(batch.toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("protobuf wrote a batch it cannot read: " + e.getMessage(), e);
        }
    }

    private void readBatch(CodedInputStream in) throws IOException {
        boolean done = false;
        while (!done) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> done = true;
                case BATCH_ASSET_ID -> assetId = in.readStringRequireUtf8();
                case BATCH_AGENT_ID -> agentId = in.readStringRequireUtf8();
                case BATCH_SEQ -> seq = in.readUInt64();
                case BATCH_REGION -> region = in.readStringRequireUtf8();
                case BATCH_SENT_AT_MS -> sentAtMs = in.readInt64();
                case BATCH_SAMPLES -> readSample(in);
                default -> done = !in.skipField(tag);
            }
        }
        in.checkLastTagWas(0);
    }

    private void readSample(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        int s = sampleCount++;
        if (s == timestamps.length) {
            int grown = s * 2;
            samples = Arrays.copyOf(samples, grown * SAMPLE_STRIDE);
            timestamps = Arrays.copyOf(timestamps, grown);
            values = Arrays.copyOf(values, grown);
        }
        int at = s * SAMPLE_STRIDE;
        samples[at] = 0;
        samples[at + 1] = 0;
        samples[at + 2] = labelCount;
        samples[at + 3] = 0;
        timestamps[s] = 0;
        values[s] = 0;
        boolean done = false;
        while (!done) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> done = true;
                case SAMPLE_NAME -> readBytesAt(in, samples, at);
                case SAMPLE_LABELS -> {
                    readLabel(in);
                    samples[at + 3]++;
                }
                case SAMPLE_TIMESTAMP_MS -> timestamps[s] = in.readInt64();
                case SAMPLE_VALUE -> values[s] = in.readDouble();
                default -> done = !in.skipField(tag);
            }
        }
        in.checkLastTagWas(0);
        in.popLimit(limit);
    }

    private void readLabel(CodedInputStream in) throws IOException {
        int limit = in.pushLimit(in.readRawVarint32());
        int at = labelCount++ * LABEL_STRIDE;
        if (at == labels.length) {
            labels = Arrays.copyOf(labels, labels.length * 2);
        }
        labels[at] = 0;
        labels[at + 1] = 0;
        labels[at + 2] = 0;
        labels[at + 3] = 0;
        boolean done = false;
        while (!done) {
            int tag = in.readTag();
            switch (tag) {
                case 0 -> done = true;
                case LABEL_NAME -> readBytesAt(in, labels, at);
                case LABEL_VALUE -> readBytesAt(in, labels, at + 2);
                default -> done = !in.skipField(tag);
            }
        }
        in.checkLastTagWas(0);
        in.popLimit(limit);
    }

    /** Records where a length-delimited field's bytes lie, in {@code into[slot]} and the length after it. */
    private static void readBytesAt(CodedInputStream in, int[] into, int slot) throws IOException {
        int length = in.readRawVarint32();
        into[slot] = in.getTotalBytesRead();
        into[slot + 1] = length;
        in.skipRawBytes(length);
    }

    /** Why the bytes received are no batch, or null when they are one. */
    public String malformed() {
        return malformed;
    }

    /** The batch as received. Not copied: do not change it. */
    public byte[] bytes() {
        return bytes;
    }

    /** The serialized size, in bytes. */
    public int size() {
        return bytes.length;
    }

    public String assetId() {
        return assetId;
    }

    public String agentId() {
        return agentId;
    }

    public long seq() {
        return seq;
    }

    public String region() {
        return region;
    }

    public long sentAtMs() {
        return sentAtMs;
    }

    public int sampleCount() {
        return sampleCount;
    }

    /** Where sample {@code s}'s name starts in {@link #bytes()}. */
    public int nameAt(int s) {
        return samples[s * SAMPLE_STRIDE];
    }

    /** The length of sample {@code s}'s name, in bytes. */
    public int nameLength(int s) {
        return samples[s * SAMPLE_STRIDE + 1];
    }

    /** The index, for the label accessors, of sample {@code s}'s first label; its labels follow in arrival order. */
    public int firstLabel(int s) {
        return samples[s * SAMPLE_STRIDE + 2];
    }

    public int labelCount(int s) {
        return samples[s * SAMPLE_STRIDE + 3];
    }

    public long timestampMs(int s) {
        return timestamps[s];
    }

    public double value(int s) {
        return values[s];
    }

    /** Where label {@code l}'s name starts in {@link #bytes()}. */
    public int labelNameAt(int l) {
        return labels[l * LABEL_STRIDE];
    }

    public int labelNameLength(int l) {
        return labels[l * LABEL_STRIDE + 1];
    }

    public int labelValueAt(int l) {
        return labels[l * LABEL_STRIDE + 2];
    }

    public int labelValueLength(int l) {
        return labels[l * LABEL_STRIDE + 3];
    }

    /**
     * Sample {@code s} as a protobuf message, its strings decoded with bad UTF-8 replaced: for describing a refused
     * sample to the operator, and for tests. Not for the per-sample path.
     */
    public Sample sample(int s) {
        Sample.Builder sample = Sample.newBuilder()
                .setName(text(nameAt(s), nameLength(s)))
                .setTimestampMs(timestampMs(s))
                .setValue(value(s));
        int first = firstLabel(s);
        for (int l = first; l < first + labelCount(s); l++) {
            sample.addLabels(Label.newBuilder()
                    .setName(text(labelNameAt(l), labelNameLength(l)))
                    .setValue(text(labelValueAt(l), labelValueLength(l))));
        }
        return sample.build();
    }

    private String text(int at, int length) {
        return new String(bytes, at, length, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "WireBatch[asset " + assetId + ", agent " + agentId + ", seq " + seq + ", " + sampleCount
                + " samples, " + bytes.length + " bytes]";
    }

    /** gRPC's side: a message arrives as a stream of known length, read into one array. */
    private static final class Marshaller implements MethodDescriptor.Marshaller<WireBatch> {

        @Override
        public InputStream stream(WireBatch batch) {
            return new ByteArrayInputStream(batch.bytes);
        }

        @Override
        public WireBatch parse(InputStream stream) {
            byte[] bytes;
            try {
                bytes = readFully(stream);
            } catch (IOException e) {
                // gRPC hands over a message it holds in memory: not the agent's fault, and not expected.
                throw Status.INTERNAL.withDescription("cannot read a message: " + e.getMessage()).withCause(e)
                        .asRuntimeException();
            }
            try {
                return WireBatch.parse(bytes);
            } catch (InvalidProtocolBufferException e) {
                WireBatch none = new WireBatch(new byte[0]);
                none.malformed = e.getMessage();
                return none;
            }
        }

        private static byte[] readFully(InputStream stream) throws IOException {
            if (!(stream instanceof KnownLength)) {
                return stream.readAllBytes();
            }
            byte[] bytes = new byte[stream.available()];
            int read = stream.readNBytes(bytes, 0, bytes.length);
            if (read < bytes.length) {
                throw new IOException("the message ended after " + read + " of its " + bytes.length + " bytes");
            }
            return bytes;
        }
    }
}
