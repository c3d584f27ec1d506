package io.dams.bridge.validation;

import io.dams.bridge.ingest.WireBatch;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Rejection;
import io.dams.schemas.ingest.v1.Sample;
import io.dams.schemas.names.PrometheusNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Checks each incoming batch against the {@link ValidationLimits} and keeps its good samples: batch size first (a
 * refusal there refuses every sample), then per sample name and label syntax, label values that are not UTF-8,
 * duplicate label names, label count and length, value, timestamp window and the series cap of the asset. Thread-safe;
 * called once per batch on the ingest hot path, where it reads the batch's bytes in place ({@link WireBatch}).
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

    /** Validates {@code batch}, whose size is its serialized size. */
    public Validation validate(WireBatch batch) {
        return validate(batch, batch.size());
    }

    /**
     * Validates {@code batch}, taking its serialized form as {@code serializedBytes} long. Does not look at the asset
     * id or region beyond keying the series cap: whether the caller may send for that asset is the service's business.
     * Names and label values are read where they lie in the batch's bytes: no string is built for a sample that
     * passes.
     */
    public Validation validate(WireBatch batch, int serializedBytes) {
        int count = batch.sampleCount();
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
        String assetId = batch.assetId();
        byte[] bytes = batch.bytes();
        // The samples that pass every other rule, with their series, go to the series cap together after the loop.
        int[] admissible = new int[count];
        long[] seriesHashes = new long[count];
        int admissibleCount = 0;
        Refusals refusals = null;
        for (int i = 0; i < count; i++) {
            // One pass over the labels both checks them and hashes the series, by index: no iterator per sample.
            int first = batch.firstLabel(i);
            int end = first + batch.labelCount(i);
            boolean labelsWellFormed = end - first <= limits.maxLabelsPerSeries();
            long labelHashSum = 0;
            for (int l = first; l < end; l++) {
                int nameAt = batch.labelNameAt(l);
                int nameLength = batch.labelNameLength(l);
                int valueAt = batch.labelValueAt(l);
                int valueLength = batch.labelValueLength(l);
                // Once a rule is broken, which one is left to a second pass; past the label cap the search for a
                // repeated name would be quadratic in a number the sender chose.
                labelsWellFormed = labelsWellFormed && isLabelName(bytes, nameAt, nameLength)
                        && isLabelValue(bytes, valueAt, valueLength)
                        && !repeatsAnEarlierName(batch, first, l, nameAt, nameLength);
                labelHashSum += SeriesLimiter.labelHash(bytes, nameAt, nameLength, bytes, valueAt, valueLength);
            }
            RejectReason reason = firstBrokenRule(batch, i, labelsWellFormed, newest, oldest);
            if (reason == null) {
                admissible[admissibleCount] = i;
                seriesHashes[admissibleCount++] =
                        SeriesLimiter.seriesHash(bytes, batch.nameAt(i), batch.nameLength(i), labelHashSum);
                continue;
            }
            if (refusals == null) {
                refusals = new Refusals(count);
            }
            refusals.add(i, reason, batch, assetId, now);
        }
        if (admissibleCount > 0 && seriesLimiter.admitAll(assetId, seriesHashes, admissibleCount, now) > 0) {
            for (int k = 0; k < admissibleCount; k++) {
                if (seriesHashes[k] == 0) {
                    if (refusals == null) {
                        refusals = new Refusals(count);
                    }
                    refusals.add(admissible[k], RejectReason.SERIES_LIMIT, batch, assetId, now);
                }
            }
        }

        if (refusals == null) {
            acceptedSamples.increment(count);
            return new Validation(count, 0, List.of(), null);
        }
        int rejected = refusals.samples.cardinality();
        acceptedSamples.increment(count - rejected);
        List<Rejection> rejections = new ArrayList<>(2);
        for (int slot = 0; slot < REASON_SLOTS; slot++) {
            int refusedForReason = refusals.byReason[slot];
            if (refusedForReason > 0) {
                rejectedSamples[slot].increment(refusedForReason);
                rejections.add(Rejection.newBuilder()
                        .setReason(RejectReason.forNumber(slot))
                        .setCount(refusedForReason)
                        .setExample(refusals.examples[slot])
                        .build());
            }
        }
        return new Validation(count - rejected, rejected, Collections.unmodifiableList(rejections),
                refusals.samples);
    }

    /** The refused samples of one batch, by reason, with the first of each described; made at the first refusal. */
    private final class Refusals {
        final BitSet samples;
        final int[] byReason = new int[REASON_SLOTS];
        final String[] examples = new String[REASON_SLOTS];

        Refusals(int count) {
            samples = new BitSet(count);
        }

        void add(int sample, RejectReason reason, WireBatch batch, String assetId, long now) {
            samples.set(sample);
            int slot = reason.getNumber();
            if (byReason[slot]++ == 0) {
                examples[slot] = RejectionExamples.describe(reason, batch.sample(sample), assetId, now, limits);
            }
        }
    }

    /**
     * The first rule sample {@code i} breaks, in the documented order, or null; the series cap is checked apart.
     *
     * @param labelsWellFormed false when the sample breaks a label rule: a bad or repeated name, a value that is not
     *                         UTF-8, too many labels or too long a value
     */
    private RejectReason firstBrokenRule(WireBatch batch, int i, boolean labelsWellFormed, long newest, long oldest) {
        int nameLength = batch.nameLength(i);
        // Bytes, not chars, against the limit: a valid name is ASCII, where the two are the same.
        if (nameLength > limits.maxMetricNameLength()
                || !PrometheusNames.isMetricName(batch.bytes(), batch.nameAt(i), nameLength)) {
            return RejectReason.INVALID_METRIC_NAME;
        }
        if (!labelsWellFormed) {
            return labelRuleBroken(batch, i);
        }
        if (!Double.isFinite(batch.value(i))) {
            return RejectReason.NON_FINITE_VALUE;
        }
        long timestamp = batch.timestampMs(i);
        if (timestamp > newest) {
            return RejectReason.TIMESTAMP_TOO_NEW;
        }
        if (timestamp < oldest) {
            return RejectReason.TIMESTAMP_TOO_OLD;
        }
        return null;
    }

    /**
     * Which label rule a sample that breaks one breaks first. Rare, so a second pass, over the sample decoded; a label
     * value that is not UTF-8 is found in the bytes, since decoding replaces what it cannot read.
     */
    private RejectReason labelRuleBroken(WireBatch batch, int i) {
        Sample sample = batch.sample(i);
        int labelCount = sample.getLabelsCount();
        for (int j = 0; j < labelCount; j++) {
            if (!isLabelName(sample.getLabels(j).getName())) {
                return RejectReason.INVALID_LABEL_NAME;
            }
        }
        int first = batch.firstLabel(i);
        for (int l = first; l < first + labelCount; l++) {
            if (!isUtf8(batch.bytes(), batch.labelValueAt(l), batch.labelValueLength(l))) {
                return RejectReason.INVALID_LABEL_VALUE;
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

    private boolean isLabelName(byte[] bytes, int at, int length) {
        // Bytes, not chars, against the limit: a valid name is ASCII, where the two are the same.
        return length <= limits.maxLabelNameLength() && PrometheusNames.isLabelName(bytes, at, length);
    }

    /** UTF-8, and no longer than the limit in UTF-16 units, as the limit is documented. */
    private boolean isLabelValue(byte[] bytes, int at, int length) {
        if (!isUtf8(bytes, at, length)) {
            return false;
        }
        // A value's UTF-16 length is at most its UTF-8 length: only a long value needs counting.
        return length <= limits.maxLabelValueLength() || utf16Length(bytes, at, length) <= limits.maxLabelValueLength();
    }

    /** Whether {@code bytes[at..at+length)} is well-formed UTF-8: ASCII at a glance, anything else by the JDK. */
    private static boolean isUtf8(byte[] bytes, int at, int length) {
        for (int i = at; i < at + length; i++) {
            if (bytes[i] < 0) {
                try {
                    // A new decoder reports malformed input rather than replacing it.
                    StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, at, length));
                    return true;
                } catch (CharacterCodingException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The UTF-16 length of valid UTF-8: one unit per character, two for one outside the Basic Multilingual Plane. */
    private static int utf16Length(byte[] bytes, int at, int length) {
        int units = 0;
        for (int i = at; i < at + length; i++) {
            int b = bytes[i] & 0xff;
            if ((b & 0xc0) != 0x80) {
                units += b >= 0xf0 ? 2 : 1;
            }
        }
        return units;
    }

    /** True when a label of {@code batch} from {@code first} up to {@code l} has the name at {@code nameAt}. */
    private static boolean repeatsAnEarlierName(WireBatch batch, int first, int l, int nameAt, int nameLength) {
        // For the few labels a sample has, cheaper than hashing the names into a set.
        byte[] bytes = batch.bytes();
        for (int k = first; k < l; k++) {
            int at = batch.labelNameAt(k);
            if (batch.labelNameLength(k) == nameLength
                    && Arrays.equals(bytes, at, at + nameLength, bytes, nameAt, nameAt + nameLength)) {
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
        return new Validation(0, count, List.of(rejection), null);
    }

    private static Counter samplesCounter(MeterRegistry registry, String result, String reason) {
        return Counter.builder(SAMPLES_METER)
                .description("Samples received from agents, by validation result")
                .tag("result", result)
                .tag("reason", reason)
                .register(registry);
    }
}
