package io.dams.streams.state;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
 * registered anywhere; catalogue topics keep Avro and the registry.
 */
public abstract class StateSerde<T> implements Serde<T>, Serializer<T>, Deserializer<T> {

    private final byte version;
    private final String what;

    protected StateSerde(int version, String what) {
        this.version = (byte) version;
        this.what = what;
    }

    protected abstract void write(T value, DataOutputStream out) throws IOException;

    /** Reads a value written in {@code format} (a version this serde wrote at some time). */
    protected abstract T read(DataInputStream in, int format) throws IOException;

    @Override
    public final byte[] serialize(String topic, T value) {
        if (value == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(version);
            write(value, out);
        } catch (IOException e) {
            throw new SerializationException("cannot encode " + what + ": " + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    @Override
    public final T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readByte();
            if (format < 1 || format > version) {
                throw new SerializationException(what + " in format " + format + ", this version reads 1-" + version);
            }
            return read(in, format);
        } catch (IOException e) {
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

    public static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    public static String readString(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative string length " + length);
        }
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    public static void writeNullableString(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            writeString(out, s);
        }
    }

    public static String readNullableString(DataInputStream in) throws IOException {
        return in.readBoolean() ? readString(in) : null;
    }

    public static void writeMap(DataOutputStream out, Map<String, String> map) throws IOException {
        out.writeInt(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
            writeString(out, e.getKey());
            writeString(out, e.getValue());
        }
    }

    public static Map<String, String> readMap(DataInputStream in) throws IOException {
        int size = in.readInt();
        Map<String, String> map = new HashMap<>(Math.max(4, size * 2));
        for (int i = 0; i < size; i++) {
            map.put(readString(in), readString(in));
        }
        return map;
    }

    /** A whole batch, every field of {@link MetricBatch}. */
    public static void writeBatch(DataOutputStream out, MetricBatch batch) throws IOException {
        writeString(out, batch.getAssetId());
        writeString(out, batch.getAgentId());
        out.writeLong(batch.getSeq());
        writeString(out, batch.getRegion());
        out.writeLong(batch.getSentAt());
        out.writeLong(batch.getReceivedAt());
        out.writeInt(batch.getSamples().size());
        for (Sample sample : batch.getSamples()) {
            writeString(out, sample.getName());
            writeMap(out, sample.getLabels());
            out.writeLong(sample.getTimestampMs());
            out.writeDouble(sample.getValue());
        }
        writeNullableString(out, batch.getSite());
        writeMap(out, batch.getTags());
    }

    public static MetricBatch readBatch(DataInputStream in) throws IOException {
        MetricBatch.Builder batch = MetricBatch.newBuilder()
                .setAssetId(readString(in))
                .setAgentId(readString(in))
                .setSeq(in.readLong())
                .setRegion(readString(in))
                .setSentAt(in.readLong())
                .setReceivedAt(in.readLong());
        int count = in.readInt();
        List<Sample> samples = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            samples.add(new Sample(readString(in), readMap(in), in.readLong(), in.readDouble()));
        }
        return batch.setSamples(samples)
                .setSite(readNullableString(in))
                .setTags(readMap(in))
                .build();
    }
}
