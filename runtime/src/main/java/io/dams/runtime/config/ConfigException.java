package io.dams.runtime.config;

/** A configuration an operator must correct; the message names the key (e.g. {@code bridge.address}) and the problem. */
public class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Fails with {@code key: problem} unless {@code condition} holds. */
    public static void require(boolean condition, String key, String problem) {
        if (!condition) {
            throw new ConfigException(key + ": " + problem);
        }
    }
}
