package io.dams.streams.ingest;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Durations;
import io.dams.streams.iq.QueryAddress;
import java.time.Duration;

/**
 * The ingest job's own settings (the {@code ingest:} section of a job configuration).
 *
 * @param applicationServer this instance's interactive-query address, {@code host:port}, as other instances and the
 *                          query service reach it (Kafka Streams' {@code application.server}); port 0 picks a free one
 * @param bindHost          the interface the interactive-query server listens on; empty: the host of
 *                          {@code applicationServer}
 * @param dedupeTtl         how long a batch id (agent_id, seq) is remembered to drop replays
 * @param enrichmentWait    how long a batch whose asset is not yet in {@code dams.assets} is held; after it, it is
 *                          forwarded with only its own region (counted), and so are the asset's later batches until
 *                          it registers
 * @param maxFutureSkew     a sample stamped further ahead of this job's clock is dropped
 *                          ({@code reason="timestamp_too_new"}): downstream event time must not run ahead of the
 *                          world, and brokers refuse records over an hour ahead
 * @param seriesRetention   a series with no sample for this long (event time, behind the asset's newest sample) is
 *                          dropped from the latest values
 * @param checkInterval     how often wall-clock checks run: overdue held batches, assets gone silent
 */
public record IngestSettings(
        String applicationServer,
        String bindHost,
        Duration dedupeTtl,
        Duration enrichmentWait,
        Duration maxFutureSkew,
        Duration seriesRetention,
        Duration checkInterval) {

    private static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(30);

    public static IngestSettings defaults() {
        return new IngestSettings("127.0.0.1:7070", "", Duration.ofHours(1), Duration.ofSeconds(30),
                Duration.ofMinutes(5), Duration.ofHours(24), Duration.ofSeconds(1));
    }

    public IngestSettings withApplicationServer(String hostPort) {
        return new IngestSettings(hostPort, bindHost, dedupeTtl, enrichmentWait, maxFutureSkew, seriesRetention,
                checkInterval);
    }

    public IngestSettings withEnrichmentWait(Duration wait) {
        return new IngestSettings(applicationServer, bindHost, dedupeTtl, wait, maxFutureSkew, seriesRetention,
                checkInterval);
    }

    /** Where this job serves its interactive queries. */
    public QueryAddress queryAddress() {
        return new QueryAddress(applicationServer, bindHost);
    }

    /** Checks every key, naming it under {@code section}. */
    public void validate(String section) {
        String p = section + ".";
        queryAddress().validate(p);
        positive(dedupeTtl, p + "dedupeTtl");
        positive(enrichmentWait, p + "enrichmentWait");
        positive(maxFutureSkew, p + "maxFutureSkew");
        ConfigException.require(maxFutureSkew.compareTo(MAX_FUTURE_SKEW) <= 0, p + "maxFutureSkew",
                "must be at most " + Durations.format(MAX_FUTURE_SKEW) + " (brokers refuse records stamped over an"
                        + " hour ahead), not " + Durations.format(maxFutureSkew));
        positive(seriesRetention, p + "seriesRetention");
        positive(checkInterval, p + "checkInterval");
    }

    static void positive(Duration d, String key) {
        ConfigException.require(d != null && !d.isNegative() && !d.isZero(), key,
                "must be a positive duration, not " + (d == null ? "nothing" : Durations.format(d)));
    }
}
