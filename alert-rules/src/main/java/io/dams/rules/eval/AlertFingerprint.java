package io.dams.rules.eval;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The identity of an alert: SHA-256 of its rule name and group labels, the same in every JVM and across restarts.
 *
 * <p>Canonical encoding (a stability contract: changing it changes every alert_id): the strings
 * {@code "dams-alert/1"}, the rule name, then each group label's name and value in ascending order of names, each
 * string written as its UTF-8 byte length (4 bytes, big-endian) followed by its UTF-8 bytes.
 *
 * @param hex the 64 lowercase hex digits of the digest
 */
public record AlertFingerprint(String hex) {

    /** Chars of {@link #alertId()}: 48 bits, collision-free in practice for the alerts of one installation. */
    public static final int ALERT_ID_LENGTH = 12;

    private static final String VERSION = "dams-alert/1";

    public static AlertFingerprint of(String ruleName, Map<String, String> groupLabels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, VERSION);
        write(out, ruleName);
        new TreeMap<>(groupLabels).forEach((name, value) -> {
            write(out, name);
            write(out, value);
        });
        try {
            return new AlertFingerprint(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(out.toByteArray())));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    public static AlertFingerprint of(String ruleName, GroupLabels group) {
        return of(ruleName, group.labels());
    }

    /** The short form used as {@code alert_id}: the first {@value #ALERT_ID_LENGTH} hex digits. */
    public String alertId() {
        return hex.substring(0, ALERT_ID_LENGTH);
    }

    private static void write(ByteArrayOutputStream out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int n = bytes.length;
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        out.write(bytes, 0, n);
    }
}
