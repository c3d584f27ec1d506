package io.dams.streams;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import io.dams.runtime.config.Durations;
import io.dams.runtime.config.Validated;
import io.dams.streams.alerting.AlertingSettings;
import io.dams.streams.ingest.IngestSettings;
import io.dams.streams.rules.RulesSettings;
import io.dams.streams.rollup.RollupSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The configuration of one Streams job ({@code job-ingest.yaml}, {@code job-rollup.yaml},
 * {@code job-rules.yaml}, {@code job-alerting.yaml}); {@link #defaults()} is the
 * one place defaults live. Every key can be overridden by {@code DAMS_JOB_<KEY_PATH>}, e.g.
 * {@code DAMS_JOB_BOOTSTRAP_SERVERS}, {@code DAMS_JOB_INGEST_APPLICATION_SERVER}.
 *
 * @param job              which job: {@code ingest}, {@code rollup}, {@code rules} or {@code alerting}
 * @param applicationId    Kafka Streams' {@code application.id}; empty: {@code dams-<job>}. Instances with the same id
 *                         share the work
 * @param stateDir         local state; each application id gets its own folder under it
 * @param threads          stream threads of this instance
 * @param commitInterval   {@code commit.interval.ms}: under exactly-once, each hop's output is visible only after it
 *                         commits, so this adds to every sample's latency (DESIGN §4)
 * @param replicationFactor replication of the job's internal topics (changelogs); -1: the broker's default
 * @param status           {@code /healthz} and {@code /metrics}
 * @param ingest           the ingest job's settings (read only by that job; likewise the sections below)
 * @param rollup           the rollup job's settings
 * @param rules            the rules job's settings
 * @param alerting         the alerting job's settings
 */
public record JobConfig(
        String job,
        String bootstrapServers,
        String registryUrl,
        String applicationId,
        Path stateDir,
        int threads,
        Duration commitInterval,
        int replicationFactor,
        Status status,
        IngestSettings ingest,
        RollupSettings rollup,
        RulesSettings rules,
        AlertingSettings alerting) implements Validated {

    public static final String ENV_PREFIX = "DAMS_JOB";
    private static final Duration MAX_COMMIT_INTERVAL = Duration.ofSeconds(30);

    /** The HTTP endpoint with {@code /healthz} and {@code /metrics}; port 0 picks a free one. */
    public record Status(String host, int port) {
    }

    public static JobConfig defaults() {
        return new JobConfig("", "127.0.0.1:9092", "http://127.0.0.1:8081", "", Path.of("/var/lib/dams-streams"), 1,
                Duration.ofMillis(100), -1, new Status("127.0.0.1", 9096), IngestSettings.defaults(),
                RollupSettings.defaults(), RulesSettings.defaults(), AlertingSettings.defaults());
    }

    /** A configuration of the ingest or rollup job, with the other jobs' sections at their defaults. */
    public JobConfig(String job, String bootstrapServers, String registryUrl, String applicationId, Path stateDir,
                     int threads, Duration commitInterval, int replicationFactor, Status status, IngestSettings ingest,
                     RollupSettings rollup) {
        this(job, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval, replicationFactor,
                status, ingest, rollup, RulesSettings.defaults(), AlertingSettings.defaults());
    }

    /** The loader of job configurations: defaults, then the YAML file, then {@code DAMS_JOB_*}. */
    public static ConfigLoader<JobConfig> loader() {
        return new ConfigLoader<>(JobConfig.class, defaults(), ENV_PREFIX);
    }

    /** Loads {@code file} (null: defaults) with overrides from {@code environment}, validated. */
    public static JobConfig load(Path file, Map<String, String> environment) {
        return loader().load(file, environment);
    }

    /** This configuration for the job named on a command line ({@code dams job <name>}). */
    public JobConfig withJob(String name) {
        return new JobConfig(name, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval,
                replicationFactor, status, ingest, rollup, rules, alerting);
    }

    public JobConfig withStateDir(Path dir) {
        return new JobConfig(job, bootstrapServers, registryUrl, applicationId, dir, threads, commitInterval,
                replicationFactor, status, ingest, rollup, rules, alerting);
    }

    public JobConfig withApplicationId(String id) {
        return new JobConfig(job, bootstrapServers, registryUrl, id, stateDir, threads, commitInterval,
                replicationFactor, status, ingest, rollup, rules, alerting);
    }

    public JobConfig withIngest(IngestSettings settings) {
        return new JobConfig(job, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval,
                replicationFactor, status, settings, rollup, rules, alerting);
    }

    public JobConfig withRollup(RollupSettings settings) {
        return new JobConfig(job, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval,
                replicationFactor, status, ingest, settings, rules, alerting);
    }

    public JobConfig withRules(RulesSettings settings) {
        return new JobConfig(job, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval,
                replicationFactor, status, ingest, rollup, settings, alerting);
    }

    public JobConfig withAlerting(AlertingSettings settings) {
        return new JobConfig(job, bootstrapServers, registryUrl, applicationId, stateDir, threads, commitInterval,
                replicationFactor, status, ingest, rollup, rules, settings);
    }

    /** The job this configuration runs. */
    public Job kind() {
        return Job.named(job);
    }

    /** The application id in effect: the configured one, else {@code dams-<job>}. */
    public String effectiveApplicationId() {
        return applicationId == null || applicationId.isBlank() ? "dams-" + job : applicationId;
    }

    @Override
    public void validate() {
        ConfigException.require(job != null && !job.isBlank(), "job", "required: ingest, rollup, rules or alerting");
        Job kind = kind();
        ConfigException.require(bootstrapServers != null && !bootstrapServers.isBlank(), "bootstrapServers",
                "required, e.g. 127.0.0.1:9092");
        for (String server : bootstrapServers.split(",")) {
            ConfigException.require(server.strip().matches("[^:\\s]+:\\d{1,5}"), "bootstrapServers",
                    "'" + server.strip() + "' is not host:port");
        }
        ConfigException.require(registryUrl != null && isHttpUrl(registryUrl), "registryUrl",
                "must be an http(s) URL, e.g. http://127.0.0.1:8081, not '" + registryUrl + "'");
        ConfigException.require(applicationId != null && applicationId.matches("[a-zA-Z0-9._-]*"), "applicationId",
                "may hold only letters, digits, '.', '_' and '-', not '" + applicationId + "'");
        ConfigException.require(stateDir != null, "stateDir", "required: the folder of the job's local state");
        ConfigException.require(threads >= 1, "threads", "must be at least 1, not " + threads);
        ConfigException.require(commitInterval != null && !commitInterval.isNegative() && !commitInterval.isZero()
                        && commitInterval.compareTo(MAX_COMMIT_INTERVAL) <= 0, "commitInterval",
                "must be positive and at most " + Durations.format(MAX_COMMIT_INTERVAL) + " (about 100ms keeps the"
                        + " alert path fast), not " + (commitInterval == null ? "nothing" : Durations.format(commitInterval)));
        ConfigException.require(replicationFactor == -1 || replicationFactor >= 1, "replicationFactor",
                "must be -1 (the broker's default) or at least 1, not " + replicationFactor);
        ConfigException.require(status != null && status.port() >= 0 && status.port() <= 65535, "status.port",
                "must be 0-65535");
        ConfigException.require(status.host() != null && !status.host().isBlank(), "status.host", "required");
        switch (kind) {
            case INGEST -> {
                ConfigException.require(ingest != null, "ingest", "required for the ingest job");
                ingest.validate("ingest");
            }
            case ROLLUP -> {
                ConfigException.require(rollup != null, "rollup", "required for the rollup job");
                rollup.validate("rollup");
            }
            case RULES -> {
                ConfigException.require(rules != null, "rules", "required for the rules job");
                rules.validate("rules");
            }
            case ALERTING -> {
                ConfigException.require(alerting != null, "alerting", "required for the alerting job");
                alerting.validate("alerting");
            }
        }
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
