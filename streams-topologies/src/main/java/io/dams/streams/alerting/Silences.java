package io.dams.streams.alerting;

import io.dams.schemas.avro.Silence;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the silences store ({@link SilenceTable}) as matchers, compiling each silence once per version rather than
 * its regular expressions for every alert. Thread-safe: the interactive queries share one.
 */
final class Silences {

    private final Map<String, SilenceMatcher> compiled = new ConcurrentHashMap<>();

    /** The silences active at {@code nowMs} (wall clock), sorted by id. */
    List<SilenceMatcher> activeAt(ReadOnlyKeyValueStore<String, Silence> store, long nowMs) {
        List<SilenceMatcher> active = new ArrayList<>();
        Set<String> stored = new HashSet<>();
        try (KeyValueIterator<String, Silence> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, Silence> e = all.next();
                stored.add(e.key);
                SilenceMatcher matcher = compiled.get(e.key);
                if (matcher == null || !matcher.source().equals(e.value)) {
                    try {
                        matcher = SilenceMatcher.of(e.key, e.value);
                    } catch (IllegalArgumentException invalid) {
                        // The table stores only valid silences; one written by an older version is ignored.
                        continue;
                    }
                    compiled.put(e.key, matcher);
                }
                if (matcher.activeAt(nowMs)) {
                    active.add(matcher);
                }
            }
        }
        compiled.keySet().retainAll(stored);
        active.sort((a, b) -> a.id().compareTo(b.id()));
        return active;
    }

    /** The ids of the silences among {@code active} that mute {@code alert}, sorted. */
    static List<String> muting(List<SilenceMatcher> active, ActiveAlert alert) {
        if (active.isEmpty()) {
            return List.of();
        }
        Map<String, String> labels = alert.labels();
        List<String> ids = new ArrayList<>(1);
        for (SilenceMatcher silence : active) {
            if (silence.mutes(alert.alertId(), labels)) {
                ids.add(silence.id());
            }
        }
        return ids;
    }
}
