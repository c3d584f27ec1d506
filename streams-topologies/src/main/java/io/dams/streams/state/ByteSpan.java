package io.dams.streams.state;

import java.util.Arrays;

/**
 * A range of bytes compared by content, as a hash map key: the state and batch readers look values up by the bytes
 * they lie in, without making the object those bytes stand for. A probe points into the caller's array; a stored
 * key owns a copy ({@link #copy}). Immutable as long as the bytes it points to are.
 */
public final class ByteSpan {

    private final byte[] bytes;
    private final int offset;
    private final int length;
    private final int hash;

    public ByteSpan(byte[] bytes, int offset, int length) {
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
        int h = 1;
        int i = offset;
        int stop = offset + length;
        // Four bytes a step (the same value as one at a time): spans are hashed for every sample.
        for (; i + 3 < stop; i += 4) {
            h = 31 * 31 * 31 * 31 * h + 31 * 31 * 31 * bytes[i] + 31 * 31 * bytes[i + 1] + 31 * bytes[i + 2]
                    + bytes[i + 3];
        }
        for (; i < stop; i++) {
            h = 31 * h + bytes[i];
        }
        this.hash = h;
    }

    /** The same bytes in an array of its own, to keep. */
    public ByteSpan copy() {
        return new ByteSpan(Arrays.copyOfRange(bytes, offset, offset + length), 0, length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ByteSpan other && hash == other.hash && Arrays.equals(bytes, offset, offset + length,
                other.bytes, other.offset, other.offset + other.length);
    }

    @Override
    public int hashCode() {
        return hash;
    }
}
