package io.dams.agent.config;

import static io.dams.runtime.config.ConfigException.require;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.dams.runtime.tls.TlsFiles;
import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigLoader;
import io.dams.runtime.config.Durations;
import io.dams.runtime.config.Validated;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The agent's whole configuration, with every default in {@link #defaults()}; loaded by {@link #loader()} from YAML
 * (camelCase keys) with {@code DAMS_AGENT_<KEY_PATH>} environment overrides, e.g.
 * {@code DAMS_AGENT_BRIDGE_SEND_INTERVAL=30s}.
 *
 * @param assetId   the asset this agent reports as; defaults to the host name
 * @param region    the region whose bridge this agent sends to; required, so the defaults leave it blank
 * @param site      where the asset is (a data centre, a plant), or null
 * @param latitude  degrees north, or null; set together with {@code longitude}
 * @param longitude degrees east, or null
 * @param tags      labels describing the asset (owner, environment...); names follow Prometheus label syntax
 * @param kind      server, vm, iot...
 */
public record AgentConfig(
        String assetId,
        String region,
        String site,
        Double latitude,
        Double longitude,
        Map<String, String> tags,
        String kind,
        Bridge bridge,
        Buffer buffer,
        Backoff backoff,
        Health health,
        Plugins plugins) implements Validated {

    /** The prefix of environment overrides. */
    public static final String ENV_PREFIX = "DAMS_AGENT";

    private static final Path CONFIG_DIR = Path.of("/etc/dams/agent");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern NO_BLANKS = Pattern.compile("\\S+");

    /**
     * The regional bridge and how to reach it.
     *
     * @param address      {@code host:port} (IPv6 as {@code [::1]:7443})
     * @param sendInterval how often a batch is sent, which is also how often metrics are collected: one tick, one
     *                     batch, so a batch holds exactly one collection; at least 1s
     * @param certFile     this agent's client certificate (PEM)
     * @param keyFile      its private key (PEM)
     * @param caFile       the CA that signs the bridges' certificates (PEM)
     */
    public record Bridge(
            String address,
            Duration sendInterval,
            Duration connectTimeout,
            @JsonSerialize(using = ToStringSerializer.class) Path certFile,
            @JsonSerialize(using = ToStringSerializer.class) Path keyFile,
            @JsonSerialize(using = ToStringSerializer.class) Path caFile) {
    }

    /**
     * The on-disk buffer that holds batches while the bridge is unreachable.
     *
     * @param capacity the most it holds on disk; beyond it the oldest batches go first
     */
    public record Buffer(@JsonSerialize(using = ToStringSerializer.class) Path dir, ByteSize capacity) {
    }

    /**
     * Reconnection delays: from {@code initial}, doubling up to {@code max}, each varied by up to {@code jitter}
     * (0.2 = ±20%) so that a region's agents do not reconnect in step after a bridge restart.
     */
    public record Backoff(Duration initial, Duration max, double jitter) {
    }

    /**
     * The agent's own HTTP endpoint: {@code /healthz}, {@code /metrics} and the push route.
     *
     * @param host         127.0.0.1 by default: pushed samples are accepted without authentication, so the port is
     *                     for local programs and a local scraper; set 0.0.0.0 to scrape the agent from elsewhere
     * @param port         0 picks a free port (for tests)
     * @param pushCapacity the most pushed samples held between two batches; 0 turns pushing off
     */
    public record Health(String host, int port, int pushCapacity) {
    }

    /**
     * Plugins: executables whose standard output (Prometheus text) is collected every tick.
     *
     * @param dir     the plugin folder, or null for no plugins
     * @param timeout how long a plugin may run before it is killed; shorter than {@code bridge.sendInterval}
     */
    public record Plugins(@JsonSerialize(using = ToStringSerializer.class) Path dir, Duration timeout) {
    }

    public AgentConfig {
        site = site == null || site.isBlank() ? null : site;
        tags = tags == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(tags));
    }

    /** Every default, in one place. The region is blank: {@link #validate()} makes the operator choose it. */
    public static AgentConfig defaults() {
        return new AgentConfig(
                hostName(),
                "",
                null,
                null,
                null,
                Map.of(),
                "server",
                new Bridge("localhost:7443", Duration.ofSeconds(10), Duration.ofSeconds(10),
                        CONFIG_DIR.resolve(TlsFiles.CERT), CONFIG_DIR.resolve(TlsFiles.KEY), CONFIG_DIR.resolve(TlsFiles.CA)),
                new Buffer(Path.of("/var/lib/dams-agent"), ByteSize.ofMebibytes(256)),
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2),
                new Health("127.0.0.1", 9091, 10_000),
                new Plugins(null, Duration.ofSeconds(5)));
    }

    /** Loads the defaults, overlaid by a YAML file and {@code DAMS_AGENT_*} environment variables, then validates. */
    public static ConfigLoader<AgentConfig> loader() {
        return new ConfigLoader<>(AgentConfig.class, defaults(), ENV_PREFIX);
    }

    @Override
    public void validate() {
        require(assetId != null && !assetId.isBlank(), "assetId", "required (the host name could not be read, so"
                + " set it)");
        require(NO_BLANKS.matcher(assetId).matches(), "assetId", "no blanks allowed, got '" + assetId + "'");
        require(assetId.length() <= 255, "assetId", "at most 255 characters");
        require(region != null && !region.isBlank(), "region", "required");
        require(NO_BLANKS.matcher(region).matches(), "region", "no blanks allowed, got '" + region + "'");
        require(latitude == null || latitude >= -90 && latitude <= 90, "latitude", "between -90 and 90, got "
                + latitude);
        require(longitude == null || longitude >= -180 && longitude <= 180, "longitude", "between -180 and 180, got "
                + longitude);
        require(latitude != null || longitude == null, "latitude", "required when longitude is set");
        require(longitude != null || latitude == null, "longitude", "required when latitude is set");
        tags.forEach((name, value) -> {
            require(LABEL_NAME.matcher(name).matches() && !name.startsWith("__"), "tags." + name,
                    "not a label name (letters, digits and _, not starting with a digit or __)");
            require(value != null && !value.isBlank(), "tags." + name, "a tag needs a value");
        });
        require(kind != null && !kind.isBlank(), "kind", "required (server, vm, iot...)");

        require(bridge != null, "bridge", "required");
        requireAddress(bridge.address());
        require(bridge.sendInterval() != null, "bridge.sendInterval", "required");
        require(bridge.sendInterval().compareTo(Duration.ofSeconds(1)) >= 0, "bridge.sendInterval",
                "at least 1s, got " + Durations.format(bridge.sendInterval()));
        requirePositive(bridge.connectTimeout(), "bridge.connectTimeout");
        require(bridge.certFile() != null, "bridge.certFile", "required");
        require(bridge.keyFile() != null, "bridge.keyFile", "required");
        require(bridge.caFile() != null, "bridge.caFile", "required");

        require(buffer != null, "buffer", "required");
        require(buffer.dir() != null, "buffer.dir", "required");
        require(buffer.capacity() != null, "buffer.capacity", "required");
        require(buffer.capacity().bytes() >= 1 << 20, "buffer.capacity", "at least 1MiB, got " + buffer.capacity());

        require(backoff != null, "backoff", "required");
        requirePositive(backoff.initial(), "backoff.initial");
        require(backoff.max() != null, "backoff.max", "required");
        require(backoff.max().compareTo(backoff.initial()) >= 0, "backoff.max", "at least backoff.initial ("
                + Durations.format(backoff.initial()) + "), got " + Durations.format(backoff.max()));
        require(backoff.jitter() >= 0 && backoff.jitter() <= 1, "backoff.jitter", "between 0 and 1, got "
                + backoff.jitter());

        require(health != null, "health", "required");
        require(health.host() != null && !health.host().isBlank(), "health.host", "required");
        require(health.port() >= 0 && health.port() <= 65535, "health.port", "between 0 and 65535, got "
                + health.port());
        require(health.pushCapacity() >= 0, "health.pushCapacity", "0 or more, got " + health.pushCapacity());

        require(plugins != null, "plugins", "required");
        requirePositive(plugins.timeout(), "plugins.timeout");
        // Only plugins that exist have to fit in a tick.
        require(plugins.dir() == null || plugins.timeout().compareTo(bridge.sendInterval()) < 0, "plugins.timeout",
                "shorter than"
                + " bridge.sendInterval (" + Durations.format(bridge.sendInterval()) + "), got "
                + Durations.format(plugins.timeout()));
    }

    private static void requireAddress(String address) {
        String example = "expected host:port, e.g. bridge.example.net:7443, got '" + address + "'";
        require(address != null && !address.isBlank(), "bridge.address", "required");
        int colon = address.lastIndexOf(':');
        require(colon > 0 && colon < address.length() - 1, "bridge.address", example);
        String host = address.substring(0, colon);
        require(!host.isBlank() && NO_BLANKS.matcher(host).matches()
                && (host.indexOf(':') < 0 || host.startsWith("[") && host.endsWith("]")), "bridge.address", example);
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        require(port >= 1 && port <= 65535, "bridge.address", "port between 1 and 65535, got '" + address + "'");
    }

    private static void requirePositive(Duration duration, String key) {
        require(duration != null, key, "required");
        require(!duration.isNegative() && !duration.isZero(), key, "must be more than 0, got "
                + Durations.format(duration));
    }

    /** The kernel's host name without a DNS lookup where procfs has it; blank when it cannot be found. */
    private static String hostName() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | SecurityException e) {
            // not Linux: ask the JDK below
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "";
        }
    }
}
