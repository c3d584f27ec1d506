package io.dams.bridge.forward;

import io.dams.schemas.avro.MetricBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.avro.AvroRuntimeException;

/**
 * The spool's record format: a {@link MetricBatch} in Avro's single-object encoding (a two-byte marker, the writer
 * schema's 64-bit fingerprint, then the plain Avro binary a SpecificDatumWriter writes). It needs no schema registry,
 * so spooling works while the registry is unreachable too; the fingerprint makes a record written with another schema
 * version fail to decode rather than decode into nonsense.
 */
final class SpoolCodec {

    private SpoolCodec() {
    }

    /** @throws AvroRuntimeException when the batch does not conform to its schema (e.g. a required field is null) */
    static byte[] encode(MetricBatch batch) {
        try {
            ByteBuffer buffer = MetricBatch.getEncoder().encode(batch);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writes to memory only
        } catch (NullPointerException | ClassCastException e) {
            // What Avro's writers throw for a field that does not match the schema.
            throw new AvroRuntimeException("batch does not conform to its schema: " + e.getMessage(), e);
        }
    }

    /** @throws IOException when the bytes are not a MetricBatch of the current schema */
    static MetricBatch decode(byte[] bytes) throws IOException {
        try {
            return MetricBatch.getDecoder().decode(bytes);
        } catch (AvroRuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
