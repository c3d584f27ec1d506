package io.dams.streams.state;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteOrder;

/**
 * The bytes of one state value being read, big-endian as {@link java.io.DataInputStream} reads them; the reading
 * counterpart of {@link StateOutput}, with the names of {@link java.nio.ByteBuffer}'s relative getters. Numbers are read
 * through byte-array views ({@link MethodHandles#byteArrayViewVarHandle}): a heap {@code ByteBuffer}'s getters went
 * through memory-session and bounds checks that cost a fifth of the Streams jobs' CPU (bench/RESULTS.md). Reading past
 * the end throws {@link BufferUnderflowException}, as a {@code ByteBuffer} does. Not thread-safe.
 */
public final class StateInput {

    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] bytes;
    private int position;

    /** Reads {@code bytes} from the start; they are not copied. */
    public StateInput(byte[] bytes) {
        this.bytes = bytes;
    }

    public byte get() {
        return bytes[advance(1)];
    }

    public int getInt() {
        return (int) INT.get(bytes, advance(Integer.BYTES));
    }

    public long getLong() {
        return (long) LONG.get(bytes, advance(Long.BYTES));
    }

    public double getDouble() {
        return Double.longBitsToDouble(getLong());
    }

    /** Bytes left to read. */
    public int remaining() {
        return bytes.length - position;
    }

    public int position() {
        return position;
    }

    /** Moves to {@code newPosition}, at most the end. */
    public void position(int newPosition) {
        if (newPosition < 0 || newPosition > bytes.length) {
            throw new IllegalArgumentException("position " + newPosition + " outside 0-" + bytes.length);
        }
        position = newPosition;
    }

    /** The bytes read from; not a copy. */
    public byte[] array() {
        return bytes;
    }

    /** Where the next {@code length} bytes start, having moved past them. */
    int advance(int length) {
        int at = position;
        if (length > bytes.length - at) {
            throw new BufferUnderflowException();
        }
        position = at + length;
        return at;
    }
}
