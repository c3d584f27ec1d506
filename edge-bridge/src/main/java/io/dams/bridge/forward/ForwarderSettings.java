package io.dams.bridge.forward;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Durations;
import io.dams.runtime.config.Validated;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * How the bridge forwards batches to Kafka and spools them while Kafka is unreachable (the bridge configuration's
 * Kafka section).
 *
 * @param bootstrapServers Kafka's {@code host:port[,host:port...]}
 * @param registryUrl      the schema registry's base URL, e.g. {@code http://127.0.0.1:8081}
 * @param linger           the producer's {@code linger.ms}: the hub forwards promptly, so milliseconds, never seconds
 * @param spoolAfter       a batch Kafka has not acknowledged within this long goes to the spool instead
 * @param spoolDir         the folder of the spool file
 * @param spoolCapacity    the most the spool holds; beyond it the oldest batches are dropped and counted
 * @param compression      the producer's {@code compression.type}
 * @param maxInFlight      the most batch bytes accepted from agents and not yet durable (in Kafka or the spool); beyond
 *                         it the bridge stops reading from agents' streams until some are, so that a Kafka slower than
 *                         the agents costs them latency (they hold their batches on disk) rather than the bridge its heap
 */
public record ForwarderSettings(
        String bootstrapServers,
        String registryUrl,
        Duration linger,
        Duration spoolAfter,
        Path spoolDir,
        ByteSize spoolCapacity,
        String compression,
        ByteSize maxInFlight) implements Validated {

    private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");
    /** A linger this long would hold every batch back for a noticeable part of the latency budget. */
    private static final Duration MAX_LINGER = Duration.ofSeconds(1);
    private static final ByteSize MIN_SPOOL = ByteSize.ofMebibytes(1);
    private static final ByteSize MIN_IN_FLIGHT = ByteSize.ofMebibytes(1);
    public static final ByteSize DEFAULT_MAX_IN_FLIGHT = ByteSize.ofMebibytes(32);

    /** Settings with the default {@link #maxInFlight()}. */
    public ForwarderSettings(String bootstrapServers, String registryUrl, Duration linger, Duration spoolAfter,
                             Path spoolDir, ByteSize spoolCapacity, String compression) {
        this(bootstrapServers, registryUrl, linger, spoolAfter, spoolDir, spoolCapacity, compression,
                DEFAULT_MAX_IN_FLIGHT);
    }

    public static ForwarderSettings defaults() {
        return new ForwarderSettings("127.0.0.1:9092", "http://127.0.0.1:8081", Duration.ofMillis(5),
                Duration.ofSeconds(2), Path.of("/var/lib/dams-bridge/spool"), ByteSize.parse("1GiB"), "zstd");
    }

    /** Checks every key, naming it bare ({@code linger: ...}). */
    @Override
    public void validate() {
        validate("");
    }

    /** Checks every key, naming it under {@code section} ({@code kafka.linger: ...}); empty for bare names. */
    public void validate(String section) {
        String p = section == null || section.isEmpty() ? "" : section + ".";
        ConfigException.require(bootstrapServers != null && !bootstrapServers.isBlank(), p + "bootstrapServers",
                "required, e.g. 127.0.0.1:9092");
        for (String server : bootstrapServers.split(",")) {
            ConfigException.require(server.strip().matches(".+:\\d{1,5}"), p + "bootstrapServers",
                    "'" + server.strip() + "' is not host:port");
        }
        ConfigException.require(registryUrl != null && isHttpUrl(registryUrl), p + "registryUrl",
                "must be an http(s) URL, e.g. http://127.0.0.1:8081, not '" + registryUrl + "'");
        ConfigException.require(linger != null && !linger.isNegative() && linger.compareTo(MAX_LINGER) < 0,
                p + "linger", "must be at least 0 and below " + Durations.format(MAX_LINGER)
                        + " (the hub forwards promptly; a few ms is plenty), not " + format(linger));
        ConfigException.require(spoolAfter != null && spoolAfter.compareTo(linger) > 0, p + "spoolAfter",
                "must be longer than linger (" + format(linger) + "), not " + format(spoolAfter));
        ConfigException.require(spoolDir != null, p + "spoolDir", "required: the folder of the spool file");
        ConfigException.require(spoolCapacity != null && spoolCapacity.bytes() >= MIN_SPOOL.bytes(),
                p + "spoolCapacity", "must be at least " + MIN_SPOOL + ", not " + spoolCapacity);
        ConfigException.require(compression != null && COMPRESSIONS.contains(compression), p + "compression",
                "must be one of " + COMPRESSIONS.stream().sorted().toList() + ", not '" + compression + "'");
        ConfigException.require(maxInFlight != null && maxInFlight.bytes() >= MIN_IN_FLIGHT.bytes(),
                p + "maxInFlight", "must be at least " + MIN_IN_FLIGHT + ", not " + maxInFlight);
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String format(Duration d) {
        return d == null ? "nothing" : Durations.format(d);
    }
}
