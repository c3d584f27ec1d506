package io.dams.streams;

import io.dams.schemas.avro.Sample;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One series of an asset: metric name and labels (sorted). Orders by name, then labels entry by entry, which is the
 * order in which series are listed everywhere (latest values, rollups).
 */
public record SeriesKey(String name, SortedMap<String, String> labels) implements Comparable<SeriesKey> {

    public SeriesKey {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    public static SeriesKey of(Sample sample) {
        return new SeriesKey(sample.getName(), new TreeMap<>(sample.getLabels()));
    }

    public static SeriesKey of(String name, Map<String, String> labels) {
        return new SeriesKey(name, new TreeMap<>(labels));
    }

    @Override
    public int compareTo(SeriesKey other) {
        int byName = name.compareTo(other.name);
        if (byName != 0) {
            return byName;
        }
        Iterator<Map.Entry<String, String>> mine = labels.entrySet().iterator();
        Iterator<Map.Entry<String, String>> theirs = other.labels.entrySet().iterator();
        while (mine.hasNext() && theirs.hasNext()) {
            Map.Entry<String, String> a = mine.next();
            Map.Entry<String, String> b = theirs.next();
            int byKey = a.getKey().compareTo(b.getKey());
            if (byKey != 0) {
                return byKey;
            }
            int byValue = a.getValue().compareTo(b.getValue());
            if (byValue != 0) {
                return byValue;
            }
        }
        return Boolean.compare(mine.hasNext(), theirs.hasNext());
    }
}
