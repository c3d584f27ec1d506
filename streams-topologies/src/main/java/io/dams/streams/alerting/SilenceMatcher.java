package io.dams.streams.alerting;

import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Silence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One silence as a test of alerts: active while {@code starts_at <= now < ends_at}; it mutes the alert it names by
 * {@code alert_id}, and the alerts whose labels pass all its matchers. Matchers mean what they mean in Prometheus and
 * Alertmanager: a label the alert does not have is the empty string, and a regular expression must match the whole
 * value. A silence that names an alert and has matchers mutes that alert only while the matchers pass too.
 *
 * @param source the silence as stored, to tell whether a stored silence is still the one compiled
 */
record SilenceMatcher(String id, Silence source, List<Rule> rules) {

    /** One compiled label matcher. */
    record Rule(String label, MatchOp op, String value, Pattern pattern) {

        boolean matches(Map<String, String> labels) {
            String actual = labels.getOrDefault(label, "");
            return switch (op) {
                case EQ -> actual.equals(value);
                case NEQ -> !actual.equals(value);
                case RE -> pattern.matcher(actual).matches();
                case NRE -> !pattern.matcher(actual).matches();
            };
        }
    }

    /**
     * Compiles a silence read from {@code dams.silences} under {@code id} (its key).
     *
     * @throws IllegalArgumentException naming what is wrong: an id other than its key, ends_at not after starts_at,
     *                                  nothing to match, a matcher without a label name, a bad regular expression
     */
    static SilenceMatcher of(String id, Silence silence) {
        if (!id.equals(silence.getSilenceId())) {
            throw new IllegalArgumentException("silence_id '" + silence.getSilenceId() + "' is not its key '" + id
                    + "'");
        }
        if (silence.getEndsAt() <= silence.getStartsAt()) {
            throw new IllegalArgumentException("ends_at " + silence.getEndsAt() + " is not after starts_at "
                    + silence.getStartsAt());
        }
        boolean namesAlert = silence.getAlertId() != null && !silence.getAlertId().isBlank();
        if (!namesAlert && silence.getMatchers().isEmpty()) {
            throw new IllegalArgumentException("neither an alert_id nor label matchers");
        }
        List<Rule> rules = new ArrayList<>(silence.getMatchers().size());
        for (LabelMatcher m : silence.getMatchers()) {
            if (m.getName() == null || m.getName().isBlank()) {
                throw new IllegalArgumentException("a matcher without a label name");
            }
            Pattern pattern = null;
            if (m.getOp() == MatchOp.RE || m.getOp() == MatchOp.NRE) {
                try {
                    pattern = Pattern.compile(m.getValue());
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("matcher " + m.getName() + " has a bad regular expression: "
                            + e.getDescription());
                }
            }
            rules.add(new Rule(m.getName(), m.getOp(), m.getValue(), pattern));
        }
        return new SilenceMatcher(id, silence, List.copyOf(rules));
    }

    boolean activeAt(long nowMs) {
        return source.getStartsAt() <= nowMs && nowMs < source.getEndsAt();
    }

    /** Whether it mutes the alert {@code alertId} with these labels (regardless of time). */
    boolean mutes(String alertId, Map<String, String> labels) {
        String named = source.getAlertId();
        if (named != null && !named.isBlank() && !named.equals(alertId)) {
            return false;
        }
        for (Rule rule : rules) {
            if (!rule.matches(labels)) {
                return false;
            }
        }
        return true;
    }
}
