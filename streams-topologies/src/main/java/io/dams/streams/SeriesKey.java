package io.dams.streams;

import io.dams.schemas.avro.Sample;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One series of an asset: metric name and labels (sorted). Orders by name, then labels entry by entry, which is the
 * order in which series are listed everywhere (latest values, rollups). Immutable.
 *
 * <p>Keys are made, compared and hashed for every sample of every batch, so the labels are kept as one sorted array
 * (name, value, name, value...) and the hash is computed once; the map view is made when first asked for.
 */
public final class SeriesKey implements Comparable<SeriesKey> {

    private static final String[] NO_LABELS = new String[0];

    private final String name;
    /** Label names and values, alternating, sorted by name. */
    private final String[] labels;
    private final int hash;
    private SortedMap<String, String> labelMap;

    private SeriesKey(String name, String[] labels) {
        this.name = Objects.requireNonNull(name, "name");
        this.labels = labels;
        this.hash = 31 * name.hashCode() + Arrays.hashCode(labels);
    }

    public static SeriesKey of(Sample sample) {
        return of(sample.getName(), sample.getLabels());
    }

    public static SeriesKey of(String name, Map<String, String> labels) {
        int n = labels.size();
        if (n == 0) {
            return new SeriesKey(name, NO_LABELS);
        }
        String[] sorted = new String[2 * n];
        if (n == 1) {
            Map.Entry<String, String> only = labels.entrySet().iterator().next();
            sorted[0] = Objects.requireNonNull(only.getKey(), "label name");
            sorted[1] = only.getValue();
        } else {
            int i = 0;
            for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
                sorted[i++] = e.getKey();
                sorted[i++] = e.getValue();
            }
        }
        return new SeriesKey(name, sorted);
    }

    public String name() {
        return name;
    }

    /** The labels, sorted by name; unmodifiable. */
    public SortedMap<String, String> labels() {
        SortedMap<String, String> map = labelMap;
        if (map == null) {
            TreeMap<String, String> built = new TreeMap<>();
            for (int i = 0; i < labels.length; i += 2) {
                built.put(labels[i], labels[i + 1]);
            }
            // Racing threads may each build one; they are equal and immutable.
            map = Collections.unmodifiableSortedMap(built);
            labelMap = map;
        }
        return map;
    }

    /** How many labels it has. */
    public int labelCount() {
        return labels.length / 2;
    }

    /** The name of its {@code i}-th label in order. */
    public String labelName(int i) {
        return labels[2 * i];
    }

    /** The value of its {@code i}-th label in order. */
    public String labelValue(int i) {
        return labels[2 * i + 1];
    }

    @Override
    public boolean equals(Object o) {
        return this == o || o instanceof SeriesKey other && hash == other.hash && name.equals(other.name)
                && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return labels.length == 0 ? name : name + labels();
    }

    @Override
    public int compareTo(SeriesKey other) {
        if (this == other) {
            return 0;
        }
        int byName = name.compareTo(other.name);
        if (byName != 0) {
            return byName;
        }
        int common = Math.min(labels.length, other.labels.length);
        // Name, value, name, value...: the same order as comparing the sorted entries one by one.
        for (int i = 0; i < common; i++) {
            int byEntry = labels[i].compareTo(other.labels[i]);
            if (byEntry != 0) {
                return byEntry;
            }
        }
        return Integer.compare(labels.length, other.labels.length);
    }
}
