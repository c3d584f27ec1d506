package io.dams.streams.state;

import io.dams.streams.SeriesKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes and reads series keys in store values (the name, then the labels in order, as
 * {@link StateSerde#writeString} and {@link StateSerde#writeMap} write them), remembering each key's bytes and each
 * byte sequence's key. An asset sends the same series batch after batch, so a store value's keys are nearly always
 * known: reading one costs a hash of its bytes instead of new strings and a sorted map, writing one a copy of its
 * bytes, and keys read for one batch are the same instances as the batch before, which compare at once. At most
 * {@value #MAX_KEYS} keys are remembered each way; past that it starts again, so a flood of one-off series cannot
 * use up the heap. Thread-safe; the keys are immutable.
 */
public final class SeriesKeyCodec {

    static final int MAX_KEYS = 100_000;

    private final Map<ByteSpan, SeriesKey> keys = new ConcurrentHashMap<>();
    private final Map<SeriesKey, byte[]> encodings = new ConcurrentHashMap<>();

    public void write(StateOutput out, SeriesKey key) {
        byte[] bytes = encodings.get(key);
        if (bytes == null) {
            StateOutput one = new StateOutput();
            StateSerde.writeString(one, key.name());
            one.writeInt(key.labelCount());
            for (int i = 0; i < key.labelCount(); i++) {
                StateSerde.writeString(one, key.labelName(i));
                StateSerde.writeString(one, key.labelValue(i));
            }
            bytes = one.toByteArray();
            remember(encodings, key, bytes);
        }
        out.write(bytes);
    }

    public SeriesKey read(ByteBuffer in) throws IOException {
        int start = in.position();
        StateSerde.skipString(in);
        int labels = in.getInt();
        if (labels < 0 || labels > in.remaining() / 8) {
            throw new IOException("label count " + labels + " with " + in.remaining() + " bytes left");
        }
        for (int i = 0; i < 2 * labels; i++) {
            StateSerde.skipString(in);
        }
        ByteSpan span = new ByteSpan(in.array(), in.arrayOffset() + start, in.position() - start);
        SeriesKey key = keys.get(span);
        if (key == null) {
            int end = in.position();
            in.position(start);
            key = SeriesKey.of(StateSerde.readString(in), StateSerde.readMap(in));
            in.position(end);
            remember(keys, span.copy(), key);
        }
        return key;
    }

    /** How many byte sequences it knows the key of. */
    int remembered() {
        return keys.size();
    }

    private static <K, V> void remember(Map<K, V> map, K key, V value) {
        if (map.size() >= MAX_KEYS) {
            map.clear();
        }
        map.put(key, value);
    }
}
