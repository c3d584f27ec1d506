package io.dams.streams.batch;

import io.dams.streams.SeriesKey;
import io.dams.streams.state.ByteSpan;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The series key of a sample's name and labels as they lie in a batch's Avro binary, made once per distinct byte
 * sequence: the same series arrive batch after batch, usually from many assets (a key holds no asset), so a sample's
 * key costs a hash of its bytes and one look-up, and keys of one series are one instance, which compare at once. At
 * most {@value #MAX_KEYS} byte sequences are remembered; past that it starts again, so a flood of one-off series
 * cannot use up the heap. Two byte sequences of one series (labels in another order) give equal keys. Thread-safe.
 */
public final class SeriesKeys {

    static final int MAX_KEYS = 100_000;

    private final Map<ByteSpan, SeriesKey> keys = new ConcurrentHashMap<>();

    /** The key of the name and labels in {@code bytes[at, end)} (a string, then a map of strings, in Avro binary). */
    SeriesKey of(byte[] bytes, int at, int end) {
        ByteSpan probe = new ByteSpan(bytes, at, end - at);
        SeriesKey key = keys.get(probe);
        if (key == null) {
            key = decode(bytes, at, end);
            if (keys.size() >= MAX_KEYS) {
                keys.clear();
            }
            keys.put(probe.copy(), key);
        }
        return key;
    }

    /** How many byte sequences it knows the key of. */
    int remembered() {
        return keys.size();
    }

    /** The key of the name and labels in {@code bytes[at, end)}, made anew. */
    static SeriesKey decode(byte[] bytes, int at, int end) {
        AvroBatch.Reader in = new AvroBatch.Reader(bytes, at, end);
        String name = in.readString("sample name");
        Map<String, String> labels = new HashMap<>();
        for (long block = in.readBlockCount("sample labels"); block != 0; block = in.readBlockCount("sample labels")) {
            for (long i = 0; i < block; i++) {
                labels.put(in.readString("label name"), in.readString("label value"));
            }
        }
        return SeriesKey.of(name, labels);
    }
}
