package io.dams.rules;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/** A rule's replacement threshold and/or duration for the assets of one region. */
public record RegionOverride(String region, OptionalDouble threshold, Optional<Duration> duration) {

    public RegionOverride {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(threshold, "threshold");
        Objects.requireNonNull(duration, "duration");
        if (region.isBlank()) {
            throw new IllegalArgumentException("an override needs a region");
        }
        if (threshold.isEmpty() && duration.isEmpty()) {
            throw new IllegalArgumentException("the override for region " + region + " changes nothing");
        }
        if (threshold.isPresent() && !Double.isFinite(threshold.getAsDouble())) {
            throw new IllegalArgumentException("the threshold override for region " + region + " is not finite");
        }
        if (duration.isPresent() && duration.get().isNegative()) {
            throw new IllegalArgumentException("the duration override for region " + region + " is negative");
        }
    }
}
