package io.dams.agent.simulate;

import java.time.Instant;
import java.util.Locale;

/**
 * A scripted fault in the simulated fleet, active from {@code start} (inclusive) to {@code end} (exclusive).
 *
 * @param subject the asset id, or the region for {@link Kind#REGION_SPIKE}
 * @param region  the region of the subject
 */
public record Incident(Kind kind, String subject, String region, Instant start, Instant end) {

    /** What goes wrong. */
    public enum Kind {
        /** One asset's CPU at 95-100%. */
        CPU_SATURATION,
        /** One asset's root disk fills at about 1% a minute up to 99%, and is cleaned up when the incident ends. */
        DISK_FILLING,
        /** One asset sends nothing; when it comes back it has rebooted. */
        SILENT,
        /** Every asset of one region gets +40 points of CPU. */
        REGION_SPIKE;

        /** The name operators see in logs, e.g. {@code cpu_saturation}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whether the incident is under way at {@code timeMs}. */
    public boolean activeAt(long timeMs) {
        return start.toEpochMilli() <= timeMs && timeMs < end.toEpochMilli();
    }

    /** Whether it concerns {@code asset}: the asset itself, or its whole region. */
    public boolean concerns(SimulatedAsset asset) {
        return kind == Kind.REGION_SPIKE ? asset.region().equals(subject) : asset.id().equals(subject);
    }

    /** One line for the operator's log. */
    public String describe() {
        return kind.label() + (kind == Kind.REGION_SPIKE ? " in region " + subject
                : " on asset " + subject + " (" + region + ")") + " from " + start + " to " + end;
    }
}
