package io.dams.query.auth;

import io.dams.runtime.config.ConfigException;

/**
 * One API token as the configuration stores it: never the secret, only its SHA-256.
 *
 * @param name   who or what holds it (shown in logs and {@code /api/v2/admin/tokens})
 * @param sha256 the SHA-256 of the secret's UTF-8 bytes, 64 hex digits ({@link Tokens#sha256Hex})
 */
public record TokenEntry(String name, Role role, String sha256) {

    /** Checks the entry at {@code key} (e.g. {@code tokens[2]}). */
    public void validate(String key) {
        ConfigException.require(name != null && !name.isBlank(), key + ".name", "required");
        ConfigException.require(role != null, key + ".role", "required: viewer, operator or admin");
        ConfigException.require(sha256 != null && sha256.matches("[0-9a-fA-F]{64}"), key + ".sha256",
                "must be the 64 hex digits of the token's SHA-256, e.g. from `printf %s \"$TOKEN\" | sha256sum`");
    }
}
