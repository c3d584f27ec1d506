package io.dams.launcher;

import io.dams.agent.simulate.BridgeTargets;
import io.dams.agent.simulate.Fleet;
import io.dams.runtime.config.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams simulate}: many simulated agents in one process, each with its own certificate, outbox and link. */
@Command(name = "simulate",
        mixinStandardHelpOptions = true,
        description = {"Runs a fleet of simulated agents in one process: each asset has its own certificate (issued"
                + " from the CA in --certs into DIR/simulated/<asset>/), its own disk outbox and its own mutual-TLS"
                + " link to its region's bridge. Metrics follow a daily curve by longitude; incidents (CPU"
                + " saturation, a disk filling, an asset going silent, a region-wide spike) start within minutes,"
                + " the same for the same --seed.",
            "Runs until interrupted (Ctrl-C or SIGTERM)."})
final class SimulateCommand implements Callable<Integer> {

    private static final Duration PROGRESS_EVERY = Duration.ofMinutes(1);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--assets", paramLabel = "N", defaultValue = "50",
            description = "How many assets to simulate (default: ${DEFAULT-VALUE}).")
    int assets;

    @Option(names = "--bridge", required = true, paramLabel = "[REGION=]HOST:PORT",
            description = {"The bridge for every region (HOST:PORT), or for one region (REGION=HOST:PORT).",
                "Repeatable; a bridge serves one region."})
    List<String> bridges;

    @Option(names = "--certs", required = true, paramLabel = "DIR",
            description = "The CA's folder (`dams certs init --dir DIR`).")
    Path certs;

    @Option(names = "--regions", paramLabel = "REGION", split = ",",
            description = {"Regions to spread the assets over (default: the regions named in --bridge REGION=..., or "
                + "eu-west-1,us-east-1,ap-southeast-1)."})
    List<String> regions;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "10s",
            converter = CertsCommand.DurationConverter.class,
            description = "How often every asset sends a batch (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed of the fleet's layout, metrics and incidents (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the assets' outboxes live (default: a temporary folder, deleted on exit). Reusing a"
                + " folder continues each asset's batch sequence.")
    Path dataDir;

    @Option(names = "--bridge-authority", paramLabel = "NAME",
            description = "The name the bridges' certificates carry, when it is not the host in --bridge.")
    String authority;

    @Override
    public Integer call() throws InterruptedException {
        BridgeTargets targets;
        try {
            targets = BridgeTargets.parse(bridges);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        List<String> simulated = regions != null ? regions
                : targets.shared() == null ? new ArrayList<>(bridgeRegionsInOrder()) : Fleet.DEFAULT_REGIONS;
        Fleet.Settings settings;
        boolean temporary = dataDir == null;
        Path data = temporary ? createTemporaryDataDir() : dataDir;
        try {
            settings = new Fleet.Settings(assets, simulated, targets, certs, data, interval, seed, authority);
        } catch (IllegalArgumentException e) {
            deleteIf(temporary, data);
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Fleet fleet;
        try {
            fleet = Fleet.start(settings, Clock.systemUTC());
        } catch (RuntimeException e) {
            deleteIf(temporary, data);
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fleet.close();
            deleteIf(temporary, data);
            stopped.countDown();
        }, "dams-simulate-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        for (Map.Entry<String, Long> region : fleet.assetsPerRegion().entrySet()) {
            out.println(region.getKey() + ": " + region.getValue() + " assets -> bridge "
                    + targets.addressFor(region.getKey()).orElseThrow());
        }
        out.println("simulating " + assets + " assets every " + Durations.format(interval) + " (seed " + seed
                + "), outboxes in " + data + "; Ctrl-C to stop");
        out.flush();
        while (!stopped.await(PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS)) {
            out.println(fleet.progress().line());
            out.flush();
        }
        return 0;
    }

    /** The regions given as REGION=HOST:PORT, in the order they were given. */
    private List<String> bridgeRegionsInOrder() {
        List<String> named = new ArrayList<>();
        for (String b : bridges) {
            int eq = b.indexOf('=');
            if (eq > 0 && !named.contains(b.substring(0, eq).strip())) {
                named.add(b.substring(0, eq).strip());
            }
        }
        return named;
    }

    private static Path createTemporaryDataDir() {
        try {
            return Files.createTempDirectory("dams-simulate-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for the outboxes: " + e.getMessage(), e);
        }
    }

    private static void deleteIf(boolean temporary, Path dir) {
        if (!temporary) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // Only a temporary folder is left behind.
        }
    }
}
