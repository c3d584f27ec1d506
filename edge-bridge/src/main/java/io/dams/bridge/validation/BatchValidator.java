package io.dams.bridge.validation;

import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Rejection;
import io.dams.schemas.ingest.v1.Sample;
import io.dams.schemas.names.PrometheusNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Checks each incoming batch against the {@link ValidationLimits} and keeps its good samples: batch size first (a
 * refusal there refuses every sample), then per sample name and label syntax, duplicate label names, label count and
 * length, value, timestamp window and the series cap of the asset. Thread-safe; called once per batch on the ingest
 * hot path.
 *
 * <p>Counts samples in {@code dams_bridge_samples_total{result="accepted"}} and
 * {@code dams_bridge_samples_total{result="rejected",reason="non_finite_value"}} etc.
 */
public final class BatchValidator {

    static final String SAMPLES_METER = "dams.bridge.samples";

    // The reasons a sample can be refused for, to index arrays by number; UNSPECIFIED and UNRECOGNIZED (-1) are none.
    private static final RejectReason[] REASONS = Arrays.stream(RejectReason.values())
            .filter(r -> r != RejectReason.UNRECOGNIZED && r != RejectReason.REJECT_REASON_UNSPECIFIED)
            .toArray(RejectReason[]::new);
    private static final int REASON_SLOTS =
            Arrays.stream(REASONS).mapToInt(RejectReason::getNumber).max().orElse(0) + 1;

    private final ValidationLimits limits;
    private final long maxFutureSkewMs;
    private final long maxPastAgeMs;
    private final SeriesLimiter seriesLimiter;
    private final Clock clock;
    private final Counter acceptedSamples;
    private final Counter[] rejectedSamples;

    /** A validator with its own {@link SeriesLimiter} built from {@code limits}. */
    public BatchValidator(ValidationLimits limits, Clock clock, MeterRegistry registry) {
        this(limits, clock, new SeriesLimiter(limits), registry);
    }

    /**
     * @param clock         the bridge's clock, against which sample timestamps are judged
     * @param seriesLimiter the series cap to apply; its own settings win over {@code limits.maxSeriesPerAsset()}
     */
    public BatchValidator(ValidationLimits limits, Clock clock, SeriesLimiter seriesLimiter, MeterRegistry registry) {
        limits.validate();
        this.limits = limits;
        this.maxFutureSkewMs = limits.maxFutureSkew().toMillis();
        this.maxPastAgeMs = limits.maxPastAge().toMillis();
        this.seriesLimiter = Objects.requireNonNull(seriesLimiter, "seriesLimiter");
        this.clock = Objects.requireNonNull(clock, "clock");
        // All counters of one name need the same tag keys, or the Prometheus registry silently drops the odd ones out:
        // the accepted counter carries reason="" which Prometheus reads as no reason label at all.
        this.acceptedSamples = samplesCounter(registry, "accepted", "");
        this.rejectedSamples = new Counter[REASON_SLOTS];
        for (RejectReason reason : REASONS) {
            rejectedSamples[reason.getNumber()] =
                    samplesCounter(registry, "rejected", reason.name().toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Validates {@code batch}, whose serialized form was {@code serializedBytes} long. Does not look at the asset id
     * or region beyond keying the series cap: whether the caller may send for that asset is the service's business.
     */
    public Validation validate(Batch batch, int serializedBytes) {
        List<Sample> samples = batch.getSamplesList();
        int count = samples.size();
        if (serializedBytes > limits.maxBatchBytes().bytes()) {
            return refuseWhole(count, RejectReason.BATCH_TOO_LARGE,
                    "batch of " + serializedBytes + " bytes exceeds " + limits.maxBatchBytes());
        }
        if (count > limits.maxSamplesPerBatch()) {
            return refuseWhole(count, RejectReason.BATCH_TOO_MANY_SAMPLES,
                    "batch of " + count + " samples exceeds " + limits.maxSamplesPerBatch());
        }

        long now = clock.millis();
        long newest = now + maxFutureSkewMs;
        long oldest = now - maxPastAgeMs;
        String assetId = batch.getAssetId();
        // Allocated at the first refusal only: a clean batch passes its own sample list through.
        List<Sample> kept = null;
        int[] refusedByReason = null;
        String[] examples = null;
        for (int i = 0; i < count; i++) {
            Sample sample = samples.get(i);
            // One pass over the labels both checks them and hashes the series, by index: no iterator per sample.
            int labelCount = sample.getLabelsCount();
            boolean labelsWellFormed = labelCount <= limits.maxLabelsPerSeries();
            long labelHashSum = 0;
            for (int j = 0; j < labelCount; j++) {
                Label label = sample.getLabels(j);
                String name = label.getName();
                String value = label.getValue();
                // Once a rule is broken, which one is left to a second pass; past the label cap the search for a
                // repeated name would be quadratic in a number the sender chose.
                labelsWellFormed = labelsWellFormed && isLabelName(name)
                        && value.length() <= limits.maxLabelValueLength() && !repeatsAnEarlierName(sample, j, name);
                labelHashSum += SeriesLimiter.labelHash(name, value);
            }
            RejectReason reason = firstBrokenRule(sample, labelsWellFormed, newest, oldest);
            if (reason == null
                    && !seriesLimiter.admit(assetId, SeriesLimiter.seriesHash(sample.getName(), labelHashSum), now)) {
                reason = RejectReason.SERIES_LIMIT;
            }
            if (reason == null) {
                if (kept != null) {
                    kept.add(sample);
                }
                continue;
            }
            if (kept == null) {
                kept = new ArrayList<>(count - 1);
                kept.addAll(samples.subList(0, i));
                refusedByReason = new int[REASON_SLOTS];
                examples = new String[REASON_SLOTS];
            }
            int slot = reason.getNumber();
            if (refusedByReason[slot]++ == 0) {
                examples[slot] = RejectionExamples.describe(reason, sample, assetId, now, limits);
            }
        }

        if (kept == null) {
            acceptedSamples.increment(count);
            return new Validation(samples, 0, List.of());
        }
        acceptedSamples.increment(kept.size());
        List<Rejection> rejections = new ArrayList<>(2);
        for (int slot = 0; slot < REASON_SLOTS; slot++) {
            int refused = refusedByReason[slot];
            if (refused > 0) {
                rejectedSamples[slot].increment(refused);
                rejections.add(Rejection.newBuilder()
                        .setReason(RejectReason.forNumber(slot))
                        .setCount(refused)
                        .setExample(examples[slot])
                        .build());
            }
        }
        return new Validation(Collections.unmodifiableList(kept), count - kept.size(),
                Collections.unmodifiableList(rejections));
    }

    /**
     * The first rule {@code sample} breaks, in the documented order, or null; the series cap is checked apart.
     *
     * @param labelsWellFormed false when the sample breaks a label rule: a bad or repeated name, too many labels or
     *                         too long a value
     */
    private RejectReason firstBrokenRule(Sample sample, boolean labelsWellFormed, long newest, long oldest) {
        String name = sample.getName();
        if (name.length() > limits.maxMetricNameLength() || !PrometheusNames.isMetricName(name)) {
            return RejectReason.INVALID_METRIC_NAME;
        }
        if (!labelsWellFormed) {
            return labelRuleBroken(sample);
        }
        if (!Double.isFinite(sample.getValue())) {
            return RejectReason.NON_FINITE_VALUE;
        }
        long timestamp = sample.getTimestampMs();
        if (timestamp > newest) {
            return RejectReason.TIMESTAMP_TOO_NEW;
        }
        if (timestamp < oldest) {
            return RejectReason.TIMESTAMP_TOO_OLD;
        }
        return null;
    }

    /** Which label rule a sample that breaks one breaks first. Rare, so a second pass. */
    private RejectReason labelRuleBroken(Sample sample) {
        int labelCount = sample.getLabelsCount();
        for (int j = 0; j < labelCount; j++) {
            if (!isLabelName(sample.getLabels(j).getName())) {
                return RejectReason.INVALID_LABEL_NAME;
            }
        }
        if (repeatedLabelName(sample) != null) {
            return RejectReason.DUPLICATE_LABEL_NAME;
        }
        if (labelCount > limits.maxLabelsPerSeries()) {
            return RejectReason.TOO_MANY_LABELS;
        }
        return RejectReason.LABEL_TOO_LONG;
    }

    private boolean isLabelName(String name) {
        return name.length() <= limits.maxLabelNameLength() && PrometheusNames.isLabelName(name);
    }

    /**
     * The first label name, in arrival order, that an earlier label of {@code sample} already had; null when none. A
     * set, not {@link #repeatsAnEarlierName}'s nested loop: it serves samples with any number of labels.
     */
    static String repeatedLabelName(Sample sample) {
        Set<String> names = new HashSet<>();
        for (int j = 0; j < sample.getLabelsCount(); j++) {
            String name = sample.getLabels(j).getName();
            if (!names.add(name)) {
                return name;
            }
        }
        return null;
    }

    /** True when a label before index {@code j} of {@code sample} is also called {@code name}. */
    private static boolean repeatsAnEarlierName(Sample sample, int j, String name) {
        // For the few labels a sample has, cheaper than hashing the names into a set.
        for (int k = 0; k < j; k++) {
            if (sample.getLabels(k).getName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private Validation refuseWhole(int count, RejectReason reason, String example) {
        rejectedSamples[reason.getNumber()].increment(count);
        Rejection rejection = Rejection.newBuilder()
                .setReason(reason)
                .setCount(count)
                .setExample(RejectionExamples.capped(example))
                .build();
        return new Validation(List.of(), count, List.of(rejection));
    }

    private static Counter samplesCounter(MeterRegistry registry, String result, String reason) {
        return Counter.builder(SAMPLES_METER)
                .description("Samples received from agents, by validation result")
                .tag("result", result)
                .tag("reason", reason)
                .register(registry);
    }
}
