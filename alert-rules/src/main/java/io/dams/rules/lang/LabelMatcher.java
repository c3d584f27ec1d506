package io.dams.rules.lang;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One label matcher of a selector: {@code name="v"}, {@code name!="v"}, {@code name=~"re"}, {@code name!~"re"}.
 *
 * <p>As in Prometheus, a label the series does not have counts as the empty string ({@code mount=""} matches series
 * without {@code mount}), and a regular expression must match the whole value (it is anchored at both ends).
 * A class rather than a record: it carries the compiled pattern, which must not take part in equality.
 */
public final class LabelMatcher {

    private final String label;
    private final MatchOp op;
    private final String value;
    private final Pattern pattern;

    /** @throws java.util.regex.PatternSyntaxException when a regex operator gets an invalid expression */
    public LabelMatcher(String label, MatchOp op, String value) {
        this.label = Objects.requireNonNull(label, "label");
        this.op = Objects.requireNonNull(op, "op");
        this.value = Objects.requireNonNull(value, "value");
        this.pattern = op.isRegex() ? Pattern.compile(value) : null;
    }

    public String label() {
        return label;
    }

    public MatchOp op() {
        return op;
    }

    public String value() {
        return value;
    }

    /** Whether a series with these labels passes this matcher. */
    public boolean matches(Map<String, String> labels) {
        String actual = labels.getOrDefault(label, "");
        return switch (op) {
            case EQUAL -> actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case REGEX -> pattern.matcher(actual).matches();
            case NOT_REGEX -> !pattern.matcher(actual).matches();
        };
    }

    public String render() {
        return label + op.symbol() + quote(value);
    }

    /** A double-quoted string literal of the rule language. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LabelMatcher m && label.equals(m.label) && op == m.op && value.equals(m.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, op, value);
    }

    @Override
    public String toString() {
        return render();
    }
}
