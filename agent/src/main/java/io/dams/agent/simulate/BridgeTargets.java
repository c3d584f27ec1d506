package io.dams.agent.simulate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which bridge each region's simulated agents talk to: one address for every region, per-region addresses, or both
 * (a region without its own address uses the shared one). A bridge serves one region, so a fleet spread over several
 * regions usually needs one address per region.
 *
 * @param shared   the address for regions without their own; null when every region names its own
 * @param byRegion region to {@code host:port}
 */
public record BridgeTargets(String shared, Map<String, String> byRegion) {

    private static final Pattern ADDRESS = Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+):\\d{1,5}");

    public BridgeTargets {
        byRegion = Map.copyOf(byRegion);
        if (shared != null) {
            requireAddress(shared, "--bridge " + shared);
        }
        byRegion.forEach((region, address) -> requireAddress(address, "--bridge " + region + "=" + address));
    }

    /** Parses {@code --bridge} values: {@code HOST:PORT} for every region, or {@code REGION=HOST:PORT}. */
    public static BridgeTargets parse(List<String> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("--bridge: give HOST:PORT, or REGION=HOST:PORT for each region");
        }
        String shared = null;
        Map<String, String> byRegion = new LinkedHashMap<>();
        for (String value : values) {
            String v = value.strip();
            int eq = v.indexOf('=');
            if (eq < 0) {
                if (shared != null && !shared.equals(v)) {
                    throw new IllegalArgumentException("--bridge: two addresses for every region (" + shared + ", " + v
                            + "); name the region of each: REGION=HOST:PORT");
                }
                shared = v;
            } else {
                String region = v.substring(0, eq).strip();
                String address = v.substring(eq + 1).strip();
                if (region.isEmpty()) {
                    throw new IllegalArgumentException("--bridge " + v + ": the region before '=' is empty");
                }
                String before = byRegion.put(region, address);
                if (before != null && !before.equals(address)) {
                    throw new IllegalArgumentException("--bridge: region " + region + " has two bridges (" + before
                            + ", " + address + ")");
                }
            }
        }
        return new BridgeTargets(shared, byRegion);
    }

    /** The bridge of {@code region}, if one is configured. */
    public Optional<String> addressFor(String region) {
        return Optional.ofNullable(byRegion.getOrDefault(region, shared));
    }

    /** Fails with a message naming every region that has no bridge, and every bridge for a region not simulated. */
    public void requireCovers(List<String> regions) {
        List<String> missing = regions.stream().filter(r -> addressFor(r).isEmpty()).toList();
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("--bridge: no bridge for region " + String.join(", ", missing)
                    + "; add --bridge REGION=HOST:PORT, or one --bridge HOST:PORT for every region");
        }
        List<String> unused = byRegion.keySet().stream().filter(r -> !regions.contains(r)).sorted().toList();
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("--bridge: region " + String.join(", ", unused)
                    + " is not simulated (--regions " + String.join(",", regions) + ")");
        }
    }

    private static void requireAddress(String address, String what) {
        if (!ADDRESS.matcher(address).matches()) {
            throw new IllegalArgumentException(what + ": the bridge address must be HOST:PORT");
        }
    }
}
