package io.dams.query.assets;

import io.dams.streams.iq.AssetView;
import java.util.Locale;
import java.util.Map;

/** An asset's status as operators read it, from its liveness and its firing alerts. */
public enum AssetStatus {
    OK, WARNING, CRITICAL, DOWN;

    private final String json = name().toLowerCase(Locale.ROOT);

    /** Down when liveness is DOWN; else critical with a firing critical alert; else warning with a firing warning. */
    public static AssetStatus of(AssetView asset) {
        if ("DOWN".equalsIgnoreCase(asset.liveness())) {
            return DOWN;
        }
        Map<String, Integer> firing = asset.firingAlerts();
        if (firing != null) {
            if (positive(firing.get("critical"))) {
                return CRITICAL;
            }
            if (positive(firing.get("warning"))) {
                return WARNING;
            }
        }
        return OK;
    }

    /** The status named as in the API ({@code ok}, {@code warning}, ...); null when there is none of that name. */
    public static AssetStatus parse(String name) {
        for (AssetStatus status : values()) {
            if (status.json.equals(name)) {
                return status;
            }
        }
        return null;
    }

    /** The name in the API. */
    public String json() {
        return json;
    }

    private static boolean positive(Integer count) {
        return count != null && count > 0;
    }
}
