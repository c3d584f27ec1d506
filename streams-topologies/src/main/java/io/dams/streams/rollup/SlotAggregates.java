package io.dams.streams.rollup;

import java.util.Arrays;

/**
 * min, max, sum, count and the newest value of each slot of one series layout, over one window: numbers in arrays,
 * not an object per series. A slot without a sample has count 0. Mutable; lives while one window is closed.
 */
final class SlotAggregates {

    final double[] min;
    final double[] max;
    final double[] sum;
    final long[] count;
    final double[] last;
    final long[] lastTimestamp;

    SlotAggregates(int slots) {
        min = new double[slots];
        max = new double[slots];
        sum = new double[slots];
        count = new long[slots];
        last = new double[slots];
        lastTimestamp = new long[slots];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        Arrays.fill(lastTimestamp, Long.MIN_VALUE);
    }

    int size() {
        return count.length;
    }

    void add(int slot, long timestamp, double value) {
        min[slot] = Math.min(min[slot], value);
        max[slot] = Math.max(max[slot], value);
        sum[slot] += value;
        count[slot]++;
        // Ties go to the later arrival, as a newer report of the same instant.
        if (timestamp >= lastTimestamp[slot]) {
            last[slot] = value;
            lastTimestamp[slot] = timestamp;
        }
    }

    /** Takes in the aggregate of a later part of the window (or of a later window, for an hour). */
    void merge(int slot, double otherMin, double otherMax, double otherSum, long otherCount, double otherLast,
               long otherLastTimestamp) {
        if (otherCount == 0) {
            return;
        }
        min[slot] = Math.min(min[slot], otherMin);
        max[slot] = Math.max(max[slot], otherMax);
        sum[slot] += otherSum;
        count[slot] += otherCount;
        if (otherLastTimestamp >= lastTimestamp[slot]) {
            last[slot] = otherLast;
            lastTimestamp[slot] = otherLastTimestamp;
        }
    }

    /** Takes in every slot of {@code later}, an aggregate over the same layout. */
    void mergeAll(SlotAggregates later) {
        for (int slot = 0; slot < size(); slot++) {
            merge(slot, later, slot);
        }
    }

    /** Takes in slot {@code from} of {@code other}. */
    void merge(int slot, SlotAggregates other, int from) {
        merge(slot, other.min[from], other.max[from], other.sum[from], other.count[from], other.last[from],
                other.lastTimestamp[from]);
    }
}
