package io.dams.runtime.tls;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The identity a certificate carries in its URI SAN: {@code spiffe://<trust-domain>/region/<region>/asset/<asset>}
 * for an agent, {@code spiffe://<trust-domain>/region/<region>/bridge/<name>} for a bridge.
 */
public record SpiffeId(String trustDomain, String region, Kind kind, String name) {

    /** What holds the identity. */
    public enum Kind {
        ASSET("asset"),
        BRIDGE("bridge");

        private final String segment;

        Kind(String segment) {
            this.segment = segment;
        }
    }

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern FORMAT = Pattern.compile(
            "spiffe://([a-z0-9.-]+)/region/([A-Za-z0-9._-]+)/(asset|bridge)/([A-Za-z0-9._-]+)");

    public SpiffeId {
        require(trustDomain, "trust domain");
        require(region, "region");
        require(name, kind == Kind.ASSET ? "asset id" : "bridge name");
    }

    public static SpiffeId asset(String trustDomain, String region, String assetId) {
        return new SpiffeId(trustDomain, region, Kind.ASSET, assetId);
    }

    public static SpiffeId bridge(String trustDomain, String region, String name) {
        return new SpiffeId(trustDomain, region, Kind.BRIDGE, name);
    }

    /** The identity in {@code uri}, or empty when it is not a DAMS SPIFFE ID. */
    public static Optional<SpiffeId> parse(String uri) {
        Matcher m = FORMAT.matcher(uri);
        if (!m.matches()) {
            return Optional.empty();
        }
        Kind kind = m.group(3).equals("asset") ? Kind.ASSET : Kind.BRIDGE;
        return Optional.of(new SpiffeId(m.group(1), m.group(2), kind, m.group(4)));
    }

    public URI toUri() {
        return URI.create(toString());
    }

    @Override
    public String toString() {
        return "spiffe://" + trustDomain + "/region/" + region + "/" + kind.segment + "/" + name;
    }

    private static void require(String value, String what) {
        if (value == null || !SEGMENT.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' may hold only letters, digits, '.', '_' and '-'");
        }
    }
}
