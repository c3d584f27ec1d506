package io.dams.schemas.names;

/**
 * The Prometheus syntax of metric and label names, checked char by char: this runs for every sample on the ingest hot
 * path (bridge, ingest job), where a regex would cost a matcher allocation and several times the time.
 */
public final class PrometheusNames {

    // By unsigned byte value, for names read as UTF-8 in place: the characters allowed first and after the first. A
    // byte of a multi-byte character (128 and up) is allowed nowhere.
    private static final boolean[] LABEL_FIRST = new boolean[256];
    private static final boolean[] LABEL_REST = new boolean[256];
    private static final boolean[] METRIC_FIRST = new boolean[256];
    private static final boolean[] METRIC_REST = new boolean[256];

    static {
        for (char c = 0; c < 128; c++) {
            LABEL_FIRST[c] = isLetter(c) || c == '_';
            LABEL_REST[c] = LABEL_FIRST[c] || isDigit(c);
            METRIC_FIRST[c] = LABEL_FIRST[c] || c == ':';
            METRIC_REST[c] = LABEL_REST[c] || c == ':';
        }
    }

    private PrometheusNames() {
    }

    /** {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, non-empty. */
    public static boolean isMetricName(String name) {
        int length = name.length();
        if (length == 0) {
            return false;
        }
        char first = name.charAt(0);
        if (!isLetter(first) && first != '_' && first != ':') {
            return false;
        }
        for (int i = 1; i < length; i++) {
            char c = name.charAt(i);
            if (!isLetter(c) && !isDigit(c) && c != '_' && c != ':') {
                return false;
            }
        }
        return true;
    }

    /** {@code [a-zA-Z_][a-zA-Z0-9_]*}, non-empty, and not starting with {@code __} (reserved for Prometheus itself). */
    public static boolean isLabelName(String name) {
        int length = name.length();
        if (length == 0) {
            return false;
        }
        char first = name.charAt(0);
        if (!isLetter(first) && first != '_') {
            return false;
        }
        if (first == '_' && length > 1 && name.charAt(1) == '_') {
            return false;
        }
        for (int i = 1; i < length; i++) {
            char c = name.charAt(i);
            if (!isLetter(c) && !isDigit(c) && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** {@link #isMetricName(String)} of the UTF-8 bytes {@code bytes[at..at+length)}: any non-ASCII byte fails it. */
    public static boolean isMetricName(byte[] bytes, int at, int length) {
        return matches(bytes, at, length, METRIC_FIRST, METRIC_REST);
    }

    /** {@link #isLabelName(String)} of the UTF-8 bytes {@code bytes[at..at+length)}: any non-ASCII byte fails it. */
    public static boolean isLabelName(byte[] bytes, int at, int length) {
        return !(length > 1 && bytes[at] == '_' && bytes[at + 1] == '_')
                && matches(bytes, at, length, LABEL_FIRST, LABEL_REST);
    }

    /** Non-empty, its first byte allowed by {@code first} and every other by {@code rest}. */
    private static boolean matches(byte[] bytes, int at, int length, boolean[] first, boolean[] rest) {
        if (length == 0 || !first[bytes[at] & 0xff]) {
            return false;
        }
        for (int i = at + 1; i < at + length; i++) {
            if (!rest[bytes[i] & 0xff]) {
                return false;
            }
        }
        return true;
    }

    // ASCII only: Character.isLetter would admit 'é' and friends, which Prometheus refuses.
    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
