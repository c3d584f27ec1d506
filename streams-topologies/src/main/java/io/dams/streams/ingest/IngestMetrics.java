package io.dams.streams.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * The ingest job's self-metrics. Every batch read from {@code dams.metrics.raw} ends in exactly one
 * {@code dams_ingest_batches_total{result}}: {@code duplicate}, {@code invalid} (no key, or a tombstone), {@code empty}
 * (no valid sample left), {@code enriched}, {@code enriched_after_wait} (held until its asset arrived) or
 * {@code unenriched} (its asset unknown after the enrichment wait); batches held right now are not counted yet.
 * Samples: {@code dams_ingest_samples_total{result="accepted"|"rejected",reason}}.
 */
public final class IngestMetrics {

    public static final String BATCHES = "dams.ingest.batches";
    public static final String SAMPLES = "dams.ingest.samples";
    public static final String LIVENESS_CHANGES = "dams.ingest.liveness.changes";
    public static final String ALERT_TRANSITIONS = "dams.ingest.alert.transitions";

    /** Why a sample is dropped. */
    public enum Rejection {
        INVALID_METRIC_NAME, INVALID_LABEL_NAME, NON_FINITE_VALUE, INVALID_TIMESTAMP, TIMESTAMP_TOO_NEW;

        public String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final Counter duplicate;
    final Counter invalid;
    final Counter empty;
    final Counter enriched;
    final Counter enrichedAfterWait;
    final Counter unenriched;
    final Counter acceptedSamples;
    final Map<Rejection, Counter> rejectedSamples = new EnumMap<>(Rejection.class);
    final Counter wentUp;
    final Counter wentDown;
    final Counter alertsCounted;
    final Counter alertsOfUnknownAssets;

    public IngestMetrics(MeterRegistry registry) {
        duplicate = batches(registry, "duplicate");
        invalid = batches(registry, "invalid");
        empty = batches(registry, "empty");
        enriched = batches(registry, "enriched");
        enrichedAfterWait = batches(registry, "enriched_after_wait");
        unenriched = batches(registry, "unenriched");
        // One tag set for every counter of a name: Prometheus drops series whose label names differ.
        acceptedSamples = samples(registry, "accepted", "");
        for (Rejection reason : Rejection.values()) {
            rejectedSamples.put(reason, samples(registry, "rejected", reason.tag()));
        }
        wentUp = Counter.builder(LIVENESS_CHANGES).description("Assets that came up or went down")
                .tag("to", "up").register(registry);
        wentDown = Counter.builder(LIVENESS_CHANGES).description("Assets that came up or went down")
                .tag("to", "down").register(registry);
        alertsCounted = alertTransitions(registry, "counted");
        alertsOfUnknownAssets = alertTransitions(registry, "unknown_asset");
    }

    private static Counter alertTransitions(MeterRegistry registry, String result) {
        return Counter.builder(ALERT_TRANSITIONS)
                .description("Per-asset alert transitions read to count each asset's firing alerts, by result")
                .tag("result", result).register(registry);
    }

    private static Counter batches(MeterRegistry registry, String result) {
        return Counter.builder(BATCHES).description("Batches read from dams.metrics.raw, by what became of them")
                .tag("result", result).register(registry);
    }

    private static Counter samples(MeterRegistry registry, String result, String reason) {
        return Counter.builder(SAMPLES).description("Samples of deduplicated batches, accepted or rejected by reason")
                .tag("result", result).tag("reason", reason).register(registry);
    }
}
