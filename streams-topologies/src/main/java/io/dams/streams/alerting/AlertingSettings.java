package io.dams.streams.alerting;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Durations;
import io.dams.streams.iq.QueryAddress;
import java.time.Duration;

/**
 * The alerting job's own settings (the {@code alerting:} section of a job configuration). The three grouping timers
 * mean what they mean in Alertmanager.
 *
 * @param applicationServer this instance's interactive-query address, {@code host:port}, as other instances and the
 *                          query service reach it (Kafka Streams' {@code application.server}); port 0 picks a free one
 * @param bindHost          the interface the interactive-query server listens on; empty: the host of
 *                          {@code applicationServer}
 * @param groupWait         how long a new group waits for more alerts before its first notification; 0 sends at once
 * @param groupInterval     how long after a group's last notification a change in it (an alert firing or resolving)
 *                          is sent
 * @param repeatInterval    how long after a group's last notification an unchanged firing group is sent again
 * @param resolvedRetention how long a resolved alert stays in the active-alerts store (and {@code /api/v2/alerts})
 * @param checkInterval     how often the grouping timers and silence expiries are checked (wall clock)
 */
public record AlertingSettings(
        String applicationServer,
        String bindHost,
        Duration groupWait,
        Duration groupInterval,
        Duration repeatInterval,
        Duration resolvedRetention,
        Duration checkInterval) {

    public static AlertingSettings defaults() {
        return new AlertingSettings("127.0.0.1:7071", "", Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofHours(4), Duration.ofHours(1), Duration.ofMillis(250));
    }

    public AlertingSettings withApplicationServer(String hostPort) {
        return new AlertingSettings(hostPort, bindHost, groupWait, groupInterval, repeatInterval, resolvedRetention,
                checkInterval);
    }

    public AlertingSettings withTimers(Duration wait, Duration interval, Duration repeat) {
        return new AlertingSettings(applicationServer, bindHost, wait, interval, repeat, resolvedRetention,
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
        ConfigException.require(groupWait != null && !groupWait.isNegative(), p + "groupWait",
                "must be 0 or a positive duration, not " + format(groupWait));
        positive(groupInterval, p + "groupInterval");
        positive(repeatInterval, p + "repeatInterval");
        positive(resolvedRetention, p + "resolvedRetention");
        positive(checkInterval, p + "checkInterval");
    }

    private static void positive(Duration d, String key) {
        ConfigException.require(d != null && !d.isNegative() && !d.isZero(), key,
                "must be a positive duration, not " + format(d));
    }

    private static String format(Duration d) {
        return d == null ? "nothing" : Durations.format(d);
    }
}
