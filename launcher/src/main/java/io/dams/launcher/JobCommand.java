package io.dams.launcher;

import io.dams.runtime.config.ConfigLoader;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dams job <name>}: one Kafka Streams job. */
@Command(name = "job",
        mixinStandardHelpOptions = true,
        description = {"Runs one Kafka Streams job: ingest (dedupe, validation, enrichment, latest values and asset"
                + " health, served to the query service) or rollup (1m and 1h aggregates per series).",
            "Run more instances of a job with the same applicationId to share its partitions.",
            "Every configuration key can be overridden by an environment variable DAMS_JOB_<KEY_PATH>, e.g."
                + " DAMS_JOB_BOOTSTRAP_SERVERS=kafka-1:9092. See deploy/job-ingest.yaml and deploy/job-rollup.yaml."})
final class JobCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The job: ingest or rollup.")
    String name;

    @Option(names = "--config", paramLabel = "FILE", description = "job.yaml (default: defaults and environment only).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML and exit.")
    boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoader<JobConfig> loader = JobConfig.loader();
        // The name on the command line wins over the file's `job:`, so one file can serve both jobs' defaults.
        JobConfig settings = loader.load(config, System.getenv(), false).withJob(name);
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            out.print(loader.toYaml(settings));
            out.flush();
            return 0;
        }
        settings.validate();
        StreamsJob job = StreamsJob.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            job.close();
            stopped.countDown();
        }, "dams-job-shutdown"));
        out.println("job " + settings.job() + " (application id " + settings.effectiveApplicationId() + ") started"
                + job.applicationServer().map(s -> "; interactive queries on http://" + s).orElse("")
                + " (status on port " + job.statusPort() + ")");
        out.flush();
        stopped.await();
        return 0;
    }
}
