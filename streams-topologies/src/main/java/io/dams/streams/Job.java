package io.dams.streams;

import io.dams.runtime.config.ConfigException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/** The Streams jobs this module runs, each under its own application id. */
public enum Job {
    INGEST(Duration.ofMillis(100)),
    ROLLUP(Duration.ofMillis(100)),
    RULES(Duration.ofMillis(20)),
    ALERTING(Duration.ofMillis(20));

    private final Duration recommendedCommitInterval;

    Job(Duration recommendedCommitInterval) {
        this.recommendedCommitInterval = recommendedCommitInterval;
    }

    /**
     * The commit interval the deploy files and the demo give this job. Under exactly-once every hop on the alert path
     * adds up to one commit interval (DESIGN §4); the rules and alerting jobs carry little data, so committing every
     * 20 ms costs them little and takes about 160 ms off an alert's way (bench/RESULTS.md, "Alert latency"). The
     * ingest job carries every sample: its commits stay at 100 ms.
     */
    public Duration recommendedCommitInterval() {
        return recommendedCommitInterval;
    }

    /** The name operators use: {@code ingest}, {@code rollup}, {@code rules}, {@code alerting}. */
    public String jobName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The job called {@code name}; a {@link ConfigException} listing the jobs when there is none. */
    public static Job named(String name) {
        for (Job job : values()) {
            if (job.jobName().equals(name)) {
                return job;
            }
        }
        throw new ConfigException("job: unknown job '" + name + "'; one of "
                + Arrays.stream(values()).map(Job::jobName).toList());
    }
}
