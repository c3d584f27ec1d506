package io.dams.bridge.forward;

import io.dams.bridge.ingest.WireBatch;
import io.dams.bridge.validation.Validation;
import io.dams.schemas.avro.MetricBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * A {@link MetricBatch} already written as plain Avro binary (no framing), with the fields the forwarder needs kept in
 * the clear. A batch is encoded once, on the thread that accepted it (straight from the bytes the agent sent, see
 * {@link #transcode}); the producer, the spool and the replayer then only move these bytes: the registry framing is
 * five bytes put in front ({@link FramedBatchSerializer}), the spool record ten ({@link SpoolCodec}). A pending batch
 * therefore holds its bytes, not an object graph of samples and label maps.
 *
 * <p>Identity, not content, is equality: the forwarder tracks each handed-in batch as one pending send.
 */
public final class EncodedBatch {

    private static final DatumWriter<MetricBatch> WRITER = new SpecificDatumWriter<>(MetricBatch.getClassSchema());
    // The branch of MetricBatch.site's union ["null", "string"] that says null.
    private static final int NULL_BRANCH = 0;
    /** Per thread: a growable buffer and an encoder writing into it, reused for every batch that thread encodes. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final String assetId;
    private final String agentId;
    private final long seq;
    private final byte[] avro;

    EncodedBatch(String assetId, String agentId, long seq, byte[] avro) {
        this.assetId = Objects.requireNonNull(assetId, "assetId");
        this.agentId = Objects.requireNonNull(agentId, "agentId");
        this.seq = seq;
        this.avro = Objects.requireNonNull(avro, "avro");
    }

    /**
     * Writes {@code batch} in Avro binary.
     *
     * @throws AvroRuntimeException when the batch does not conform to its schema (e.g. a required field is null)
     */
    public static EncodedBatch encode(MetricBatch batch) {
        Scratch scratch = SCRATCH.get();
        scratch.out.reset();
        try {
            WRITER.write(batch, scratch.encoder);
            scratch.encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writes to memory only
        } catch (NullPointerException | ClassCastException e) {
            // What Avro's writers throw for a field that does not match the schema.
            throw new AvroRuntimeException("batch does not conform to its schema: " + e.getMessage(), e);
        }
        return new EncodedBatch(String.valueOf(batch.getAssetId()), String.valueOf(batch.getAgentId()),
                batch.getSeq(), scratch.out.toByteArray());
    }

    /**
     * Writes the {@link MetricBatch} of {@code batch}'s accepted samples, received at {@code receivedAt}, straight from
     * the bytes the agent sent: the bytes {@link #encode} writes for that record (labels in their arrival order,
     * {@code site} null, {@code tags} empty), with each name and label copied as it lies in the batch (an Avro string
     * is its UTF-8 bytes after their length), without building the record, its boxed numbers, a label map per sample
     * or a single string. The fields go in the order of {@code MetricBatch.avsc}; a change to that schema must be made
     * here too.
     *
     * <p>The accepted samples must be valid UTF-8 and must not repeat a label name within a sample (validation sees to
     * both): an Avro map written with a name twice would decode to one label.
     */
    public static EncodedBatch transcode(WireBatch batch, Validation validation, long receivedAt) {
        Scratch scratch = SCRATCH.get();
        scratch.out.reset();
        BinaryEncoder out = scratch.encoder;
        try {
            out.writeString(batch.assetId());
            out.writeString(batch.agentId());
            out.writeLong(batch.seq());
            out.writeString(batch.region());
            out.writeLong(batch.sentAtMs());
            out.writeLong(receivedAt);
            writeSamples(batch, validation, out);
            // site and tags are filled in by enrichment, downstream.
            out.writeIndex(NULL_BRANCH);
            out.writeNull();
            out.writeMapStart();
            out.setItemCount(0);
            out.writeMapEnd();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writes to memory only
        }
        return new EncodedBatch(batch.assetId(), batch.agentId(), batch.seq(), scratch.out.toByteArray());
    }

    /** The {@code samples} array: per sample its name, labels map, timestamp_ms and value, as in Sample.avsc. */
    private static void writeSamples(WireBatch batch, Validation validation, BinaryEncoder out) throws IOException {
        byte[] bytes = batch.bytes();
        out.writeArrayStart();
        out.setItemCount(validation.acceptedCount());
        for (int i = 0; i < batch.sampleCount(); i++) {
            if (!validation.isAccepted(i)) {
                continue;
            }
            out.startItem();
            out.writeBytes(bytes, batch.nameAt(i), batch.nameLength(i));
            int first = batch.firstLabel(i);
            int labelCount = batch.labelCount(i);
            out.writeMapStart();
            out.setItemCount(labelCount);
            for (int l = first; l < first + labelCount; l++) {
                out.startItem();
                out.writeBytes(bytes, batch.labelNameAt(l), batch.labelNameLength(l));
                out.writeBytes(bytes, batch.labelValueAt(l), batch.labelValueLength(l));
            }
            out.writeMapEnd();
            out.writeLong(batch.timestampMs(i));
            out.writeDouble(batch.value(i));
        }
        out.writeArrayEnd();
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

    /** Plain Avro binary of the batch, without any header. Not copied: do not change it. */
    byte[] avro() {
        return avro;
    }

    /** The batch decoded again, for tests and diagnostics; the forwarding path never decodes. */
    public MetricBatch decode() throws IOException {
        try {
            return new SpecificDatumReader<>(MetricBatch.class)
                    .read(null, DecoderFactory.get().binaryDecoder(avro, null));
        } catch (AvroRuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "EncodedBatch[asset " + assetId + ", agent " + agentId + ", seq " + seq + ", " + avro.length + " bytes]";
    }

    /** A buffer and a buffered encoder writing into it. */
    private static final class Scratch {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    }
}
