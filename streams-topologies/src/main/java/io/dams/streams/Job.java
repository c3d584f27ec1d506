package io.dams.streams;

import io.dams.runtime.config.ConfigException;
import java.util.Arrays;
import java.util.Locale;

/** The Streams jobs this module runs, each under its own application id. */
public enum Job {
    INGEST,
    ROLLUP,
    RULES,
    ALERTING;

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
