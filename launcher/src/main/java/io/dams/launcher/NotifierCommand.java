package io.dams.launcher;

import io.dams.notifier.Notifier;
import io.dams.notifier.NotifierConfig;
import io.dams.runtime.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams notifier}: delivers alert notifications to email, Slack, PagerDuty and webhooks. */
@Command(name = "notifier",
        mixinStandardHelpOptions = true,
        description = {"Runs the notifier: reads dams.alerts.notifications and delivers each to the channels its rule"
                + " names (Slack, PagerDuty Events v2, email over SMTP, Alertmanager-v4 webhooks), with retries,"
                + " per-channel rate limits, dead letters (dams.notifications.dead) and a delivery record"
                + " (dams.notifications.log).",
            "Every configuration key can be overridden by an environment variable DAMS_CENTRAL_<KEY_PATH>, e.g."
                + " DAMS_CENTRAL_ALERTING_SLACK_WEBHOOK=https://hooks.slack.com/services/... Keep secrets there."
                + " See deploy/dams-central.yaml for every key and its default."})
final class NotifierCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "dams-central.yaml (default: defaults and environment only).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML (secrets redacted)"
            + " and exit.")
    boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoader<NotifierConfig> loader = NotifierConfig.loader();
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            out.print(loader.toYaml(loader.load(config, System.getenv(), false)));
            out.flush();
            return 0;
        }
        NotifierConfig settings = loader.load(config);
        Notifier notifier = Notifier.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            notifier.close();
            stopped.countDown();
        }, "dams-notifier-shutdown"));
        out.println("notifier ready: channels " + notifier.channels() + ", status on http://"
                + settings.status().host() + ":" + notifier.statusPort() + "/healthz"
                + (notifier.channels().isEmpty() ? " (no channel configured: every notification will be recorded as"
                        + " rejected)" : ""));
        out.flush();
        stopped.await();
        return 0;
    }
}
