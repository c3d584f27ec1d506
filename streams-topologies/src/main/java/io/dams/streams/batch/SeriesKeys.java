package io.dams.streams.batch;

import io.dams.streams.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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

    private final Map<Span, SeriesKey> keys = new ConcurrentHashMap<>();

    /** The key of the name and labels in {@code bytes[at, end)} (a string, then a map of strings, in Avro binary). */
    SeriesKey of(byte[] bytes, int at, int end) {
        Span probe = new Span(bytes, at, end - at);
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

    /** A range of bytes compared by content; a stored one owns a copy of its bytes. */
    private static final class Span {
        private final byte[] bytes;
        private final int offset;
        private final int length;
        private final int hash;

        Span(byte[] bytes, int offset, int length) {
            this.bytes = bytes;
            this.offset = offset;
            this.length = length;
            int h = length;
            int i = offset;
            int stop = offset + length;
            // Four bytes a step: the series bytes are hashed for every sample.
            for (; i + 3 < stop; i += 4) {
                h = 31 * 31 * 31 * 31 * h + 31 * 31 * 31 * bytes[i] + 31 * 31 * bytes[i + 1] + 31 * bytes[i + 2]
                        + bytes[i + 3];
            }
            for (; i < stop; i++) {
                h = 31 * h + bytes[i];
            }
            this.hash = h;
        }

        Span copy() {
            return new Span(Arrays.copyOfRange(bytes, offset, offset + length), 0, length);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Span other && hash == other.hash && Arrays.equals(bytes, offset, offset + length,
                    other.bytes, other.offset, other.offset + other.length);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
    }
}
