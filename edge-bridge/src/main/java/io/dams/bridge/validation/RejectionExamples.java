package io.dams.bridge.validation;

import io.dams.runtime.config.Durations;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Sample;
import io.dams.schemas.names.PrometheusNames;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The {@code example} text of a {@code Rejection}: the first offending sample described for the operator reading the
 * agent's log, e.g. {@code cpu_percent{core="1"}=NaN}. Built once per reason per batch, off the per-sample path.
 */
final class RejectionExamples {

    // An Ack goes back per batch; one pathological sample must not make it large.
    static final int MAX_LENGTH = 256;
    private static final int MAX_QUOTED = 64;

    private RejectionExamples() {
    }

    static String describe(RejectReason reason, Sample sample, String assetId, long nowMs, ValidationLimits limits) {
        String name = sample.getName();
        String text = switch (reason) {
            case INVALID_METRIC_NAME -> name.length() > limits.maxMetricNameLength()
                    ? "metric name of " + name.length() + " characters exceeds " + limits.maxMetricNameLength() + ": "
                            + quoted(name)
                    : "invalid metric name " + quoted(name);
            case INVALID_LABEL_NAME -> invalidLabelName(sample, limits);
            case INVALID_LABEL_VALUE -> invalidLabelValue(sample);
            case DUPLICATE_LABEL_NAME -> duplicateLabelName(sample);
            case TOO_MANY_LABELS -> name + " has " + sample.getLabelsCount() + " labels, more than "
                    + limits.maxLabelsPerSeries();
            case LABEL_TOO_LONG -> labelTooLong(sample, limits);
            case NON_FINITE_VALUE -> series(sample) + "=" + value(sample.getValue());
            case TIMESTAMP_TOO_NEW -> series(sample) + " at " + instant(sample) + " is "
                    + roundedUp(sample.getTimestampMs() - nowMs) + " ahead of the bridge clock (limit "
                    + Durations.format(limits.maxFutureSkew()) + ")";
            case TIMESTAMP_TOO_OLD -> series(sample) + " at " + instant(sample) + " is "
                    + roundedUp(nowMs - sample.getTimestampMs()) + " old (limit "
                    + Durations.format(limits.maxPastAge()) + ")";
            case SERIES_LIMIT -> "new series " + series(sample) + " beyond the limit of " + limits.maxSeriesPerAsset()
                    + " series for asset " + assetId;
            default -> reason.name().toLowerCase(Locale.ROOT) + ": " + series(sample);
        };
        return capped(text);
    }

    /** {@code name{a="1",b="2"}}, labels sorted so the same series always reads the same. */
    static String series(Sample sample) {
        StringBuilder text = new StringBuilder(sample.getName());
        if (sample.getLabelsCount() > 0) {
            text.append('{');
            boolean first = true;
            for (Label label : sortedByName(sample)) {
                if (!first) {
                    text.append(',');
                }
                first = false;
                text.append(label.getName()).append('=').append(quoted(label.getValue()));
                if (text.length() > MAX_LENGTH) {
                    break;
                }
            }
            text.append('}');
        }
        return text.toString();
    }

    static String capped(String text) {
        if (text.length() <= MAX_LENGTH) {
            return text;
        }
        int end = MAX_LENGTH - 1;
        if (Character.isHighSurrogate(text.charAt(end - 1))) {
            end--;
        }
        return text.substring(0, end) + "…";
    }

    private static String invalidLabelName(Sample sample, ValidationLimits limits) {
        for (Label label : sortedByName(sample)) {
            String name = label.getName();
            if (name.length() > limits.maxLabelNameLength()) {
                return "label name of " + name.length() + " characters on " + sample.getName() + " exceeds "
                        + limits.maxLabelNameLength() + ": " + quoted(name);
            }
            if (!PrometheusNames.isLabelName(name)) {
                return "invalid label name " + quoted(name) + " on " + sample.getName();
            }
        }
        return "invalid label name on " + sample.getName();
    }

    /** {@code sample} was decoded with what is not UTF-8 replaced by U+FFFD, which marks the offending label. */
    private static String invalidLabelValue(Sample sample) {
        for (Label label : sortedByName(sample)) {
            if (label.getValue().indexOf('\uFFFD') >= 0) {
                return "label " + label.getName() + " of " + sample.getName() + " is not valid UTF-8: "
                        + quoted(label.getValue());
            }
        }
        return "a label value of " + sample.getName() + " is not valid UTF-8";
    }

    /** Names the first label, in arrival order, whose name an earlier label of the sample already had. */
    private static String duplicateLabelName(Sample sample) {
        String repeated = BatchValidator.repeatedLabelName(sample);
        return repeated == null ? "duplicate label name on " + sample.getName()
                : "duplicate label name " + quoted(repeated) + " on " + sample.getName();
    }

    private static String labelTooLong(Sample sample, ValidationLimits limits) {
        for (Label label : sortedByName(sample)) {
            if (label.getValue().length() > limits.maxLabelValueLength()) {
                return "label " + label.getName() + " of " + sample.getName() + " has " + label.getValue().length()
                        + " characters, more than " + limits.maxLabelValueLength();
            }
        }
        return "label too long on " + sample.getName();
    }

    /** The labels by name; labels of the same name keep their order. */
    private static List<Label> sortedByName(Sample sample) {
        List<Label> labels = new ArrayList<>(sample.getLabelsList());
        labels.sort(Comparator.comparing(Label::getName));
        return labels;
    }

    /** Quoted and escaped like a Prometheus label value, shortened past {@value #MAX_QUOTED} characters. */
    private static String quoted(String s) {
        StringBuilder text = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 4).append('"');
        int end = Math.min(s.length(), MAX_QUOTED);
        if (end < s.length() && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> text.append("\\\"");
                case '\\' -> text.append("\\\\");
                case '\n' -> text.append("\\n");
                default -> text.append(c);
            }
        }
        if (end < s.length()) {
            text.append('…');
        }
        return text.append('"').toString();
    }

    // Prometheus spellings, which operators know from the exposition format.
    private static String value(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }

    private static String instant(Sample sample) {
        return Instant.ofEpochMilli(sample.getTimestampMs()).toString();
    }

    // Rounded up, so that a sample 1 ms past a 5m limit does not read "5m (limit 5m)".
    private static String roundedUp(long ms) {
        return Durations.format(Duration.ofSeconds(-Math.floorDiv(-ms, 1000L)));
    }
}
