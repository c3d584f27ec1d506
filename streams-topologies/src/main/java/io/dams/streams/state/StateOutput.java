package io.dams.streams.state;

import java.util.Arrays;

/**
 * The bytes of one state value being written, big-endian as {@link java.io.DataOutputStream} writes them. Not
 * synchronized and reused by its thread value after value: store values are written for every batch.
 */
public final class StateOutput {

    private byte[] bytes = new byte[1024];
    private int size;

    void reset() {
        size = 0;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(bytes, size);
    }

    public void writeByte(int b) {
        ensure(1);
        bytes[size++] = (byte) b;
    }

    public void writeBoolean(boolean b) {
        writeByte(b ? 1 : 0);
    }

    public void writeInt(int v) {
        ensure(Integer.BYTES);
        byte[] b = bytes;
        int at = size;
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
        size = at + Integer.BYTES;
    }

    public void writeLong(long v) {
        ensure(Long.BYTES);
        byte[] b = bytes;
        int at = size;
        b[at] = (byte) (v >>> 56);
        b[at + 1] = (byte) (v >>> 48);
        b[at + 2] = (byte) (v >>> 40);
        b[at + 3] = (byte) (v >>> 32);
        b[at + 4] = (byte) (v >>> 24);
        b[at + 5] = (byte) (v >>> 16);
        b[at + 6] = (byte) (v >>> 8);
        b[at + 7] = (byte) v;
        size = at + Long.BYTES;
    }

    public void writeDouble(double v) {
        writeLong(Double.doubleToLongBits(v));
    }

    public void write(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
