package io.dams.streams.batch;

import io.dams.schemas.avro.MetricBatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Avro binary into a growable array, through Avro's own encoder: the pieces {@link AvroBatch} writes around the bytes
 * it copies, and whole batches for the paths that still have a record. One instance per write; not thread-safe.
 */
final class AvroWriting extends OutputStream {

    private static final SpecificDatumWriter<MetricBatch> WRITER = new SpecificDatumWriter<>(MetricBatch.getClassSchema());
    private static final SpecificDatumReader<MetricBatch> READER = new SpecificDatumReader<>(MetricBatch.getClassSchema());

    private byte[] buffer;
    private int size;
    private final BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(this, null);

    AvroWriting(int capacity) {
        this.buffer = new byte[Math.max(16, capacity)];
    }

    /** A batch in this schema's Avro binary. */
    static byte[] encode(MetricBatch batch) {
        AvroWriting out = new AvroWriting(256 + 64 * batch.getSamples().size());
        try {
            WRITER.write(batch, out.encoder);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // writes to memory only
        } catch (NullPointerException | ClassCastException e) {
            throw new SerializationException("batch does not conform to its schema: " + e, e);
        }
        return out.toByteArray();
    }

    static MetricBatch decode(byte[] bytes, int offset, int length) {
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, offset, length, null);
            return READER.read(null, decoder);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a MetricBatch in Avro binary: " + e, e);
        }
    }

    void writeLong(long n) {
        try {
            encoder.writeLong(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void writeString(String s) {
        try {
            encoder.writeString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void writeStringMap(Map<String, String> map) {
        try {
            encoder.writeMapStart();
            encoder.setItemCount(map.size());
            for (Map.Entry<String, String> e : map.entrySet()) {
                encoder.startItem();
                encoder.writeString(e.getKey());
                encoder.writeString(e.getValue());
            }
            encoder.writeMapEnd();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(int b) {
        ensure(1);
        buffer[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buffer, size, len);
        size += len;
    }

    private void ensure(int more) {
        if (size + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, size + more));
        }
    }

    int size() {
        return size;
    }

    byte[] toByteArray() {
        return size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
    }
}
