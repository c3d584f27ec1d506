package io.dams.agent.collect;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Reads the Prometheus text exposition format, version 0.0.4, into samples, keeping every good line and naming the
 * number and problem of every bad one.
 *
 * <p>Hand-written and small on purpose: there is no maintained Java parser of this format (the Prometheus Java client
 * writes it but cannot read it), and the format is line-oriented enough that a scanner is shorter than a dependency.
 * What it accepts: {@code # HELP} and {@code # TYPE} lines (other {@code #} lines are comments), blank lines, and
 * samples {@code name{label="value",...} value [timestamp_ms]} with blanks or tabs between tokens, a trailing comma in
 * the label set, the escapes {@code \\}, {@code \"} and {@code \n} in label values, and the values {@code +Inf},
 * {@code -Inf} and {@code NaN}. A trailing carriage return is dropped, so that a plugin written on Windows still
 * works. Histograms and summaries need nothing special: their {@code _bucket}, {@code _sum} and {@code _count} lines
 * are ordinary samples. Types are checked but not kept: a sample carries no type.
 */
public final class PrometheusTextParser {

    /** At most this many errors are kept in a result; {@link Result#errorCount()} counts them all. */
    public static final int MAX_ERRORS_KEPT = 100;

    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

    /** A line that could not be read. */
    public record ParseError(int line, String problem) {

        @Override
        public String toString() {
            return "line " + line + ": " + problem;
        }
    }

    /**
     * What a text held.
     *
     * @param errors     the first {@link #MAX_ERRORS_KEPT} problems, in line order
     * @param errorCount every bad line, including those beyond the ones kept
     */
    public record Result(List<CollectedSample> samples, List<ParseError> errors, int errorCount) {

        public Result {
            samples = List.copyOf(samples);
            errors = List.copyOf(errors);
        }
    }

    private PrometheusTextParser() {
    }

    /** Parses UTF-8 text (invalid bytes read as U+FFFD); samples without a timestamp get {@code defaultTimestampMs}. */
    public static Result parse(byte[] utf8, long defaultTimestampMs) {
        return parse(new String(utf8, StandardCharsets.UTF_8), defaultTimestampMs);
    }

    /** Parses {@code text}; samples without a timestamp get {@code defaultTimestampMs}. */
    public static Result parse(String text, long defaultTimestampMs) {
        List<CollectedSample> samples = new ArrayList<>();
        List<ParseError> errors = new ArrayList<>();
        int errorCount = 0;
        int lineNumber = 0;
        int start = 0;
        while (start < text.length()) {
            int newline = text.indexOf('\n', start);
            int end = newline < 0 ? text.length() : newline;
            lineNumber++;
            int contentEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
            try {
                CollectedSample sample = new Line(text, start, contentEnd).read(defaultTimestampMs);
                if (sample != null) {
                    samples.add(sample);
                }
            } catch (LineException e) {
                errorCount++;
                if (errors.size() < MAX_ERRORS_KEPT) {
                    errors.add(new ParseError(lineNumber, e.getMessage()));
                }
            }
            start = end + 1;
        }
        return new Result(samples, errors, errorCount);
    }

    /** A problem on one line; carries no stack trace because bad input is expected, not exceptional. */
    private static final class LineException extends Exception {

        LineException(String problem) {
            super(problem, null, false, false);
        }
    }

    /** A cursor over one line; the position is the only thing that moves. */
    private static final class Line {

        private final String text;
        private final int end;
        private int pos;

        Line(String text, int start, int end) {
            this.text = text;
            this.pos = start;
            this.end = end;
        }

        /** The sample on this line, or null for a blank, comment, HELP or TYPE line. */
        CollectedSample read(long defaultTimestampMs) throws LineException {
            skipBlanks();
            if (atEnd()) {
                return null;
            }
            if (peek() == '#') {
                pos++;
                readComment();
                return null;
            }
            return readSample(defaultTimestampMs);
        }

        private void readComment() throws LineException {
            skipBlanks();
            String keyword = readToken();
            if (!keyword.equals("HELP") && !keyword.equals("TYPE")) {
                return;
            }
            skipBlanks();
            String name = readMetricName();
            if (name.isEmpty()) {
                throw new LineException("expected a metric name after # " + keyword);
            }
            if (keyword.equals("TYPE")) {
                skipBlanks();
                String type = readToken();
                if (type.isEmpty()) {
                    throw new LineException("expected a type after # TYPE " + name);
                }
                if (!TYPES.contains(type)) {
                    throw new LineException("unknown metric type '" + type + "' (expected counter, gauge, histogram,"
                            + " summary or untyped)");
                }
                skipBlanks();
                if (!atEnd()) {
                    throw new LineException("unexpected text after # TYPE " + name + " " + type);
                }
            } else if (!atEnd() && peek() != ' ' && peek() != '\t') {
                throw new LineException("expected a blank after the metric name in # HELP");
            }
        }

        private CollectedSample readSample(long defaultTimestampMs) throws LineException {
            String name = readMetricName();
            if (name.isEmpty()) {
                throw new LineException("expected a metric name, found '" + peek() + "'");
            }
            if (!atEnd() && peek() != ' ' && peek() != '\t' && peek() != '{') {
                throw new LineException("unexpected character '" + peek() + "' in metric name '" + name + "'");
            }
            skipBlanks();
            TreeMap<String, String> labels = new TreeMap<>();
            if (!atEnd() && peek() == '{') {
                pos++;
                readLabels(labels);
                skipBlanks();
            }
            String valueText = readToken();
            if (valueText.isEmpty()) {
                throw new LineException("expected a value after " + name);
            }
            double value = parseValue(valueText);
            skipBlanks();
            long timestampMs = defaultTimestampMs;
            if (!atEnd()) {
                String timestampText = readToken();
                if (!INTEGER.matcher(timestampText).matches()) {
                    throw new LineException("invalid timestamp '" + timestampText + "' (expected milliseconds since"
                            + " the epoch)");
                }
                try {
                    timestampMs = Long.parseLong(timestampText);
                } catch (NumberFormatException e) {
                    throw new LineException("timestamp '" + timestampText + "' is out of range");
                }
                skipBlanks();
                if (!atEnd()) {
                    throw new LineException("unexpected text after the timestamp: '" + text.substring(pos, end) + "'");
                }
            }
            return new CollectedSample(name, labels, timestampMs, value);
        }

        private void readLabels(TreeMap<String, String> labels) throws LineException {
            while (true) {
                skipBlanks();
                if (atEnd()) {
                    throw new LineException("expected '}' to close the labels");
                }
                if (peek() == '}') {
                    pos++;
                    return;
                }
                String label = readLabelName();
                if (label.isEmpty()) {
                    throw new LineException("expected a label name, found '" + peek() + "'");
                }
                if (label.startsWith("__")) {
                    throw new LineException("label name '" + label + "' is reserved (names starting with __ are)");
                }
                skipBlanks();
                if (atEnd() || peek() != '=') {
                    throw new LineException("expected '=' after label name '" + label + "'");
                }
                pos++;
                skipBlanks();
                if (atEnd() || peek() != '"') {
                    throw new LineException("expected '\"' to open the value of label '" + label + "'");
                }
                pos++;
                String value = readLabelValue(label);
                if (labels.put(label, value) != null) {
                    throw new LineException("label '" + label + "' appears twice");
                }
                skipBlanks();
                if (atEnd()) {
                    throw new LineException("expected '}' to close the labels");
                }
                char next = peek();
                if (next == ',') {
                    pos++;
                } else if (next != '}') {
                    throw new LineException("expected ',' or '}' after the value of label '" + label + "', found '"
                            + next + "'");
                }
            }
        }

        private String readLabelValue(String label) throws LineException {
            StringBuilder value = new StringBuilder();
            while (!atEnd()) {
                char c = text.charAt(pos++);
                if (c == '"') {
                    return value.toString();
                }
                if (c == '\\') {
                    if (atEnd()) {
                        break;
                    }
                    char escaped = text.charAt(pos++);
                    switch (escaped) {
                        case '\\' -> value.append('\\');
                        case '"' -> value.append('"');
                        case 'n' -> value.append('\n');
                        default -> throw new LineException("invalid escape '\\" + escaped + "' in the value of label '"
                                + label + "' (only \\\\, \\\" and \\n are allowed)");
                    }
                } else {
                    value.append(c);
                }
            }
            throw new LineException("unterminated value of label '" + label + "' (missing closing '\"')");
        }

        private static double parseValue(String text) throws LineException {
            if (DECIMAL.matcher(text).matches()) {
                return Double.parseDouble(text);
            }
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "nan" -> Double.NaN;
                case "inf", "+inf", "infinity", "+infinity" -> Double.POSITIVE_INFINITY;
                case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new LineException("invalid value '" + text + "' (expected a number, +Inf, -Inf or"
                        + " NaN)");
            };
        }

        private String readMetricName() {
            int start = pos;
            while (!atEnd()) {
                char c = peek();
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':'
                        || pos > start && c >= '0' && c <= '9';
                if (!ok) {
                    break;
                }
                pos++;
            }
            return text.substring(start, pos);
        }

        private String readLabelName() {
            int start = pos;
            while (!atEnd()) {
                char c = peek();
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
                        || pos > start && c >= '0' && c <= '9';
                if (!ok) {
                    break;
                }
                pos++;
            }
            return text.substring(start, pos);
        }

        private String readToken() {
            int start = pos;
            while (!atEnd() && peek() != ' ' && peek() != '\t') {
                pos++;
            }
            return text.substring(start, pos);
        }

        private void skipBlanks() {
            while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
                pos++;
            }
        }

        private boolean atEnd() {
            return pos >= end;
        }

        private char peek() {
            return text.charAt(pos);
        }
    }
}
