package io.dams.schemas.topics;

/** Kafka's {@code cleanup.policy}: a stream of events, or a table where the newest value per key wins. */
public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact");

    private final String config;

    CleanupPolicy(String config) {
        this.config = config;
    }

    /** The value of {@code cleanup.policy} as Kafka spells it. */
    public String config() {
        return config;
    }

    public static CleanupPolicy fromConfig(String value) {
        for (CleanupPolicy policy : values()) {
            if (policy.config.equals(value)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("unknown cleanup.policy '" + value + "'");
    }
}
