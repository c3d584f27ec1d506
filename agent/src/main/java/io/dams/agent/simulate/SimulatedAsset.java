package io.dams.agent.simulate;

import java.util.Map;
import java.util.Objects;

/**
 * One asset of the simulated fleet: who it is, where it stands and how it is tagged.
 *
 * @param latitude  degrees north, -90..90
 * @param longitude degrees east, -180..180; it also sets the asset's local time of day for the diurnal load
 */
public record SimulatedAsset(String id, String region, String site, double latitude, double longitude, String kind,
                             Map<String, String> tags) {

    public SimulatedAsset {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(region, "region");
        tags = tags == null ? Map.of() : Map.copyOf(tags);
    }
}
