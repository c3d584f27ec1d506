package io.dams.query.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Makes API tokens. A token is 32 random bytes (256 bits), so it cannot be guessed or brute-forced from its hash: a
 * fast hash (SHA-256) protects it as well as a slow password hash (bcrypt, Argon2) would, and a slow hash would only
 * add milliseconds of CPU to every request. Slow hashes are for passwords, which people choose and are guessable.
 */
public final class Tokens {

    /** Marks the secret as a DAMS token, so that secret scanners and people recognise a leaked one. */
    public static final String PREFIX = "dams_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new token: the secret, shown once to whoever will hold it, and the entry to put in the configuration. */
    public record IssuedToken(String secret, TokenEntry entry) {

        @Override
        public String toString() {
            return "IssuedToken[" + entry + "]";
        }
    }

    private Tokens() {
    }

    /** A new admin token named {@code admin}, as the demo writes to {@code <data-dir>/admin.token}. */
    public static IssuedToken generate() {
        return generate("admin", Role.ADMIN);
    }

    public static IssuedToken generate(String name, Role role) {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        return new IssuedToken(secret, new TokenEntry(name, role, sha256Hex(secret)));
    }

    /** The SHA-256 of the secret's UTF-8 bytes, in lower-case hex: the form the configuration stores. */
    public static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
