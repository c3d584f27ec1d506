package io.dams.launcher;

import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.runtime.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams bridge}: the regional hub. */
@Command(name = "bridge",
        mixinStandardHelpOptions = true,
        description = {"Runs an edge bridge: the regional hub that accepts agents' batches over mutual TLS and forwards"
                + " them to Kafka, spooling to disk while Kafka is unreachable.",
            "Every configuration key can be overridden by an environment variable DAMS_BRIDGE_<KEY_PATH>, e.g."
                + " DAMS_BRIDGE_LISTEN_PORT=7443. See deploy/bridge.yaml for every key and its default."})
final class BridgeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "bridge.yaml (default: defaults and environment only).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML and exit.")
    boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoader<BridgeConfig> loader = new ConfigLoader<>(BridgeConfig.class, BridgeConfig.defaults(), "DAMS_BRIDGE");
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            BridgeConfig effective = loader.load(config, System.getenv(), false);
            out.print(loader.toYaml(effective));
            out.flush();
            return 0;
        }
        BridgeConfig settings = loader.load(config);
        EdgeBridge bridge = EdgeBridge.start(settings, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.close();
            stopped.countDown();
        }, "dams-bridge-shutdown"));
        out.println("bridge for region " + settings.region() + " ready on port " + bridge.port() + " (status on port "
                + bridge.statusPort() + ")");
        out.flush();
        stopped.await();
        return 0;
    }
}
