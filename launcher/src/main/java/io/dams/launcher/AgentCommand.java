package io.dams.launcher;

import io.dams.agent.Agent;
import io.dams.agent.config.AgentConfig;
import io.dams.runtime.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams agent}: the asset agent. */
@Command(name = "agent",
        mixinStandardHelpOptions = true,
        description = {"Runs the asset agent: collects this host's metrics (and plugins' and pushed ones) every"
                + " interval and streams them to the regional bridge over mutual TLS, buffering on disk while the"
                + " bridge is unreachable.",
            "Every configuration key can be overridden by an environment variable DAMS_AGENT_<KEY_PATH>, e.g."
                + " DAMS_AGENT_BRIDGE_ADDRESS=hub.example:7443. See deploy/agent.yaml for every key and its default."})
final class AgentCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "agent.yaml (default: defaults and environment only).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML and exit.")
    boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoader<AgentConfig> loader = AgentConfig.loader();
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            out.print(loader.toYaml(loader.load(config, System.getenv(), false)));
            out.flush();
            return 0;
        }
        AgentConfig settings = loader.load(config);
        Agent agent = Agent.start(settings, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stopped.countDown();
        }, "dams-agent-shutdown"));
        out.println("agent for asset " + settings.assetId() + " running; health on port " + agent.healthPort());
        out.flush();
        stopped.await();
        return 0;
    }
}
