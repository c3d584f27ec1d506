package io.dams.streams.state;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for a processor's own state (store values and their changelogs), led by a format version
 * byte so that a later format can still read what an earlier one wrote. State is private to its job, so it is not
 * registered anywhere; catalogue topics keep Avro and the registry. Numbers are big-endian and strings
 * length-prefixed UTF-8, as {@link java.io.DataOutputStream} writes them (format 1 was written with it).
 *
 * <p>Values are read and written for every batch, so neither side goes through synchronized streams: each thread
 * reuses one {@link StateOutput}, and values are read straight from the byte array. Instances are shared by every
 * task of a store, across stream threads.
 */
public abstract class StateSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final byte version;
    private final String what;
    private final ThreadLocal<StateOutput> outputs = ThreadLocal.withInitial(StateOutput::new);

    protected StateSerde(int version, String what) {
        this.version = (byte) version;
        this.what = what;
    }

    protected abstract void write(T value, StateOutput out);

    /** Reads a value written in {@code format} (a version this serde wrote at some time). */
    protected abstract T read(ByteBuffer in, int format) throws IOException;

    @Override
    public final byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        StateOutput out = outputs.get();
        out.reset();
        out.writeByte(version);
        try {
            write(value, out);
        } catch (RuntimeException e) {
            throw new SerializationException("cannot encode " + what + ": " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    @Override
    public final T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(data);
            int format = in.get();
            if (format < 1 || format > version) {
                throw new SerializationException(what + " in format " + format + ", this version reads 1-" + version);
            }
            return read(in, format);
        } catch (IOException | BufferUnderflowException | IllegalArgumentException e) {
            throw new SerializationException("cannot decode " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public final Serializer<T> serializer() {
        return this;
    }

    @Override
    public final Deserializer<T> deserializer() {
        return this;
    }

    @Override
    public final void configure(Map<String, ?> configs, boolean isKey) {
    }

    @Override
    public final void close() {
    }

    // Encoding of the pieces states are made of. Strings are length-prefixed UTF-8 (writeUTF stops at 64 KiB).

    public static void writeString(StateOutput out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static String readString(ByteBuffer in) throws IOException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IOException("string length " + length + " with " + in.remaining() + " bytes left");
        }
        String s = new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
    }

    /** Moves past a string without decoding it. */
    static void skipString(ByteBuffer in) throws IOException {
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new IOException("string length " + length + " with " + in.remaining() + " bytes left");
        }
        in.position(in.position() + length);
    }

    public static void writeNullableString(StateOutput out, String s) {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    public static String readNullableString(ByteBuffer in) throws IOException {
        return in.get() != 0 ? readString(in) : null;
    }

    public static void writeMap(StateOutput out, Map<String, String> map) {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    public static Map<String, String> readMap(ByteBuffer in) throws IOException {
        int size = in.getInt();
        if (size < 0 || size > in.remaining() / 8) {
            throw new IOException("map size " + size + " with " + in.remaining() + " bytes left");
        }
        Map<String, String> map = new HashMap<>(Math.max(4, size * 2));
        for (int i = 0; i < size; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    /** A whole batch, every field of {@link MetricBatch}, as format 1 of the held batches wrote it. */
    public static MetricBatch readBatch(ByteBuffer in) throws IOException {
        MetricBatch.Builder batch = MetricBatch.newBuilder()
                .setAssetId(readString(in))
                .setAgentId(readString(in))
                .setSeq(in.getLong())
                .setRegion(readString(in))
                .setSentAt(in.getLong())
                .setReceivedAt(in.getLong());
        int count = in.getInt();
        if (count < 0 || count > in.remaining()) {
            throw new IOException("sample count " + count + " with " + in.remaining() + " bytes left");
        }
        List<Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            samples.add(new Sample(readString(in), readMap(in), in.getLong(), in.getDouble()));
        }
        return batch.setSamples(samples)
                .setSite(readNullableString(in))
                .setTags(readMap(in))
                .build();
    }
}
