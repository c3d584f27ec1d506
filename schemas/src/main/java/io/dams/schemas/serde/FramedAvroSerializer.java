package io.dams.schemas.serde;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro class's values in the Confluent framing (magic byte 0, the 4-byte schema id, Avro binary),
 * byte for byte what the registry serializer writes, but without asking the registry for every record. The first
 * record to each topic goes through the registry serializer, which registers or finds the schema as every producer
 * does; the id it wrote is kept, since the writer schema is compiled in, and later records are encoded by one reused
 * {@link SpecificDatumWriter}. The registry serializer derives the schema again from each record (its JSON form,
 * through Jackson), which cost a quarter of the bridge's CPU and more of the Streams jobs'.
 *
 * <p>A record whose schema is not the class's (which a generated class never has) goes through the registry
 * serializer. While the registry cannot be reached, the first record of a topic fails as it would with the registry
 * serializer, and the next one asks again. Thread-safe; configured at construction.
 */
public final class FramedAvroSerializer<V extends SpecificRecord> implements Serializer<V> {

    static final byte MAGIC = 0;
    static final int FRAME_LENGTH = 5;

    private final Schema schema;
    private final SpecificDatumWriter<V> writer;
    private final Serializer<V> registrySerializer;
    private final Map<String, byte[]> frames = new ConcurrentHashMap<>();
    private final ThreadLocal<Encoding> encodings = ThreadLocal.withInitial(Encoding::new);

    /**
     * @param type               the generated class of the values
     * @param registrySerializer a configured registry serializer writing the Confluent framing; it writes each
     *                           topic's first record and is closed with this one
     */
    public FramedAvroSerializer(Class<V> type, Serializer<V> registrySerializer) {
        this.schema = SpecificData.get().getSchema(Objects.requireNonNull(type, "type"));
        this.writer = new SpecificDatumWriter<>(schema);
        this.registrySerializer = Objects.requireNonNull(registrySerializer, "registrySerializer");
    }

    @Override
    public byte[] serialize(String topic, V value) {
        if (value == null) {
            return null;
        }
        byte[] frame = frames.get(topic);
        if (frame == null || value.getSchema() != schema) {
            return throughRegistry(topic, value);
        }
        Encoding encoding = encodings.get();
        encoding.out.reset();
        encoding.out.write(frame, 0, FRAME_LENGTH);
        encoding.encoder = EncoderFactory.get().directBinaryEncoder(encoding.out, encoding.encoder);
        try {
            writer.write(value, encoding.encoder);
            encoding.encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode a " + schema.getName() + " for " + topic + ": "
                    + e.getMessage(), e);
        }
        return encoding.out.toByteArray();
    }

    private byte[] throughRegistry(String topic, V value) {
        byte[] framed = registrySerializer.serialize(topic, value);
        if (framed == null || framed.length < FRAME_LENGTH || framed[0] != MAGIC) {
            throw new SerializationException("the registry serializer did not write the Confluent framing for "
                    + topic + "; check apicurio.registry.id-handler");
        }
        if (value.getSchema() == schema) {
            frames.putIfAbsent(topic, Arrays.copyOf(framed, FRAME_LENGTH));
        }
        return framed;
    }

    @Override
    public void close() {
        registrySerializer.close();
    }

    /** One thread's output buffer and encoder, reused record after record. */
    private static final class Encoding {
        final Output out = new Output();
        BinaryEncoder encoder;
    }

    /** A growable byte buffer; unlike ByteArrayOutputStream, not synchronized, since one thread owns it. */
    static final class Output extends OutputStream {
        private byte[] bytes = new byte[8192];
        private int size;

        void reset() {
            size = 0;
        }

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
            }
        }

        byte[] toByteArray() {
            return Arrays.copyOf(bytes, size);
        }
    }
}
