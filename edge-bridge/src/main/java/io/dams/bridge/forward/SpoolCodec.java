package io.dams.bridge.forward;

import io.dams.schemas.avro.MetricBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * The spool's record format: Avro's single-object encoding of a {@link MetricBatch} (the marker {@code C3 01}, the
 * writer schema's 64-bit fingerprint little-endian, then the plain Avro binary), which is what
 * {@code MetricBatch.getEncoder()} writes. It needs no schema registry, so spooling works while the registry is
 * unreachable too; the fingerprint makes a record written with another schema version fail to decode rather than decode
 * into nonsense. Neither direction decodes the samples: the header is put in front of, or cut from, the bytes the
 * batch was encoded to once, and only the leading fields (asset, agent, seq) are read back.
 */
final class SpoolCodec {

    private static final int HEADER_LENGTH = 10;
    private static final byte[] HEADER = header();

    private SpoolCodec() {
    }

    static byte[] encode(EncodedBatch batch) {
        byte[] avro = batch.avro();
        byte[] record = Arrays.copyOf(HEADER, HEADER_LENGTH + avro.length);
        System.arraycopy(avro, 0, record, HEADER_LENGTH, avro.length);
        return record;
    }

    /** @throws IOException when the bytes are not a MetricBatch of the current schema */
    static EncodedBatch decode(byte[] record) throws IOException {
        if (record.length < HEADER_LENGTH || !Arrays.equals(record, 0, HEADER_LENGTH, HEADER, 0, HEADER_LENGTH)) {
            throw new IOException("not a MetricBatch of this schema version (single-object header or schema "
                    + "fingerprint differs)");
        }
        byte[] avro = Arrays.copyOfRange(record, HEADER_LENGTH, record.length);
        try {
            // MetricBatch begins with asset_id, agent_id, seq.
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(avro, null);
            String assetId = decoder.readString();
            String agentId = decoder.readString();
            long seq = decoder.readLong();
            return new EncodedBatch(assetId, agentId, seq, avro);
        } catch (IOException | RuntimeException e) {
            throw new IOException("a MetricBatch whose leading fields do not decode: " + e.getMessage(), e);
        }
    }

    private static byte[] header() {
        var schema = MetricBatch.getClassSchema();
        var fields = schema.getFields();
        if (!fields.get(0).name().equals("asset_id") || !fields.get(1).name().equals("agent_id")
                || !fields.get(2).name().equals("seq")) {
            throw new IllegalStateException("SpoolCodec reads asset_id, agent_id, seq as MetricBatch's first fields");
        }
        return ByteBuffer.allocate(HEADER_LENGTH).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0xC3).put((byte) 0x01)
                .putLong(SchemaNormalization.parsingFingerprint64(schema))
                .array();
    }
}
