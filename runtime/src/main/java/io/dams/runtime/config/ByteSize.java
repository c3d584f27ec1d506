package io.dams.runtime.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A number of bytes as operators write it: {@code 256MiB}, {@code 64KiB}, {@code 1GB}, {@code 1048576}. */
public record ByteSize(long bytes) {

    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*([kKmMgGtT]i?[bB]|[bB])?");

    public ByteSize {
        if (bytes < 0) {
            throw new IllegalArgumentException("a size cannot be negative: " + bytes);
        }
    }

    public static ByteSize ofMebibytes(long mib) {
        return new ByteSize(mib << 20);
    }

    /** Reads a YAML value: a bare number of bytes, or text such as {@code 256MiB}. */
    @JsonCreator
    static ByteSize fromYaml(Object value) {
        if (value instanceof Number n) {
            return new ByteSize(n.longValue());
        }
        return parse(String.valueOf(value));
    }

    public static ByteSize parse(String text) {
        Matcher m = FORMAT.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size; write e.g. 256MiB, 64KiB, 1GB or 1048576");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "b" -> 1L;
            case "kib" -> 1L << 10;
            case "mib" -> 1L << 20;
            case "gib" -> 1L << 30;
            case "tib" -> 1L << 40;
            case "kb" -> 1_000L;
            case "mb" -> 1_000_000L;
            case "gb" -> 1_000_000_000L;
            case "tb" -> 1_000_000_000_000L;
            default -> throw new IllegalArgumentException("unknown unit in '" + text + "'");
        };
        return new ByteSize(Math.multiplyExact(n, factor));
    }

    @JsonValue
    @Override
    public String toString() {
        if (bytes != 0 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "GiB";
        }
        if (bytes != 0 && bytes % (1L << 20) == 0) {
            return (bytes >> 20) + "MiB";
        }
        if (bytes != 0 && bytes % (1L << 10) == 0) {
            return (bytes >> 10) + "KiB";
        }
        return Long.toString(bytes);
    }
}
