package io.dams.agent.collect;

import io.dams.agent.collect.PrometheusTextParser.ParseError;
import io.dams.runtime.config.Durations;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every executable in the plugin folder once per collection and reads its standard output as Prometheus text.
 *
 * <p>A plugin is any executable regular file whose name does not start with a dot; it runs in the plugin folder with
 * the agent's environment and an empty standard input. Its samples keep their own names and labels; those without a
 * timestamp get the collection's. A run that exits 0 counts as {@code ok} and yields every line that parses (bad
 * lines are counted and logged). A run that exits non-zero, cannot start, or writes more than
 * {@value #MAX_OUTPUT_BYTES} bytes counts as {@code failed} and yields nothing, like a failed Prometheus scrape; one
 * that outlives the timeout is killed with its descendants (SIGKILL) and counts as {@code timeout}. A process a
 * plugin leaves behind after exiting is no longer its descendant and is not killed; under systemd it goes when the
 * agent's unit stops.
 *
 * <p>At most {@value #CONCURRENCY} plugins run at once; {@link #collect} returns when all have finished, so many slow
 * plugins delay the tick. Each run polls its pipes instead of blocking on them, so a background process that keeps a
 * pipe open cannot hold a run beyond its plugin's exit or timeout, and a run needs one thread rather than three.
 *
 * <p>Self-metrics: {@code dams.agent.plugin.runs{plugin,result=ok|failed|timeout}},
 * {@code dams.agent.plugin.parse.errors{plugin}} and {@code dams.agent.plugin.samples{plugin}}. A problem is logged
 * once per plugin until the plugin next runs cleanly, which is logged too.
 */
public final class PluginRunner implements Collector {

    /** Plugins running at the same time. */
    static final int CONCURRENCY = 4;
    /** The most standard output a run may write; beyond it the run is killed and fails. */
    static final int MAX_OUTPUT_BYTES = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(PluginRunner.class);
    private static final int STDERR_KEPT_BYTES = 512;
    private static final int PROBLEMS_LOGGED_PER_PLUGIN = 32;
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(16);

    private final Path dir;
    private final Duration timeout;
    private final MeterRegistry registry;
    private final ExecutorService runs;
    private final Map<String, PluginMeters> meters = new HashMap<>();
    private final Map<String, Set<String>> problemsLogged = new HashMap<>();
    private boolean dirMissingLogged;

    private enum Outcome {
        OK, FAILED, TIMEOUT
    }

    /** What one run produced. */
    private record Run(String plugin, Outcome outcome, String problem, PrometheusTextParser.Result parsed) {
    }

    /** One plugin's counters, registered at its first run so that every result starts from 0. */
    private record PluginMeters(Counter ok, Counter failed, Counter timeout, Counter parseErrors, Counter samples) {

        Counter runs(Outcome outcome) {
            return switch (outcome) {
                case OK -> ok;
                case FAILED -> failed;
                case TIMEOUT -> timeout;
            };
        }
    }

    public PluginRunner(Path dir, Duration timeout, MeterRegistry registry) {
        this.dir = Objects.requireNonNull(dir, "dir");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.registry = Objects.requireNonNull(registry, "registry");
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(CONCURRENCY, CONCURRENCY, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "dams-plugin-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // No idle threads kept when plugins run less often than once a minute.
        pool.allowCoreThreadTimeOut(true);
        this.runs = pool;
    }

    @Override
    public String name() {
        return "plugins";
    }

    @Override
    public void collect(long timestampMs, Consumer<CollectedSample> sink) {
        List<Path> plugins = plugins();
        List<Future<Run>> started = new ArrayList<>(plugins.size());
        for (Path plugin : plugins) {
            started.add(runs.submit(() -> run(plugin, timestampMs)));
        }
        for (Future<Run> future : started) {
            Run run;
            try {
                run = future.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                started.forEach(f -> f.cancel(true));
                return;
            } catch (ExecutionException e) {
                LOG.warn("plugin run failed unexpectedly", e.getCause());
                continue;
            }
            record(run);
            if (run.outcome() == Outcome.OK) {
                run.parsed().samples().forEach(sink);
            }
        }
    }

    /** Stops the plugin threads; a running plugin is left to its timeout. */
    @Override
    public void close() {
        runs.shutdownNow();
    }

    private List<Path> plugins() {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> plugins = files
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> Files.isRegularFile(p) && Files.isExecutable(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
            dirMissingLogged = false;
            return plugins;
        } catch (NoSuchFileException e) {
            if (!dirMissingLogged) {
                LOG.warn("plugin folder {} does not exist; no plugins run until it does", dir);
                dirMissingLogged = true;
            }
        } catch (IOException e) {
            if (!dirMissingLogged) {
                LOG.warn("cannot list the plugin folder {}: {}", dir, e.toString());
                dirMissingLogged = true;
            }
        }
        return List.of();
    }

    private Run run(Path plugin, long timestampMs) throws InterruptedException {
        String name = plugin.getFileName().toString();
        Process process;
        try {
            process = new ProcessBuilder(plugin.toAbsolutePath().toString()).directory(dir.toFile()).start();
        } catch (IOException e) {
            return new Run(name, Outcome.FAILED, "cannot start: " + e.getMessage(), null);
        }
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // a plugin that reads its input finds it closed either way
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        InputStream out = process.getInputStream();
        InputStream err = process.getErrorStream();
        byte[] buffer = new byte[8192];
        long pause = TimeUnit.MILLISECONDS.toNanos(1);
        try {
            while (true) {
                boolean alive = process.isAlive();
                int read = drain(out, buffer, stdout, MAX_OUTPUT_BYTES + 1) + drain(err, buffer, stderr, STDERR_KEPT_BYTES);
                if (stdout.size() > MAX_OUTPUT_BYTES) {
                    killTree(process.toHandle());
                    return new Run(name, Outcome.FAILED, "output exceeds " + MAX_OUTPUT_BYTES + " bytes (killed)",
                            null);
                }
                if (!alive && read == 0) {
                    break;
                }
                if (System.nanoTime() - deadline > 0) {
                    killTree(process.toHandle());
                    return new Run(name, Outcome.TIMEOUT, "did not finish within " + Durations.format(timeout)
                            + " (killed)", null);
                }
                if (read > 0) {
                    pause = TimeUnit.MILLISECONDS.toNanos(1);
                } else {
                    TimeUnit.NANOSECONDS.sleep(pause);
                    pause = Math.min(pause * 2, MAX_POLL_NANOS);
                }
            }
        } catch (IOException e) {
            killTree(process.toHandle());
            return new Run(name, Outcome.FAILED, "cannot read its output: " + e.getMessage(), null);
        } catch (InterruptedException e) {
            killTree(process.toHandle());
            throw e;
        }
        int status = process.exitValue();
        if (status != 0) {
            String said = firstLine(stderr);
            return new Run(name, Outcome.FAILED, "exited with status " + status + (said.isEmpty() ? "" : ": " + said),
                    null);
        }
        return new Run(name, Outcome.OK, null, PrometheusTextParser.parse(stdout.toByteArray(), timestampMs));
    }

    /** Reads what is available without blocking; keeps at most {@code keep} bytes in {@code into}, drops the rest. */
    private static int drain(InputStream in, byte[] buffer, ByteArrayOutputStream into, int keep) throws IOException {
        int total = 0;
        int available;
        while ((available = in.available()) > 0) {
            int n = in.read(buffer, 0, Math.min(available, buffer.length));
            if (n <= 0) {
                break;
            }
            int room = keep - into.size();
            if (room > 0) {
                into.write(buffer, 0, Math.min(n, room));
            }
            total += n;
        }
        return total;
    }

    /** Kills a process and its descendants, each parent before its children so that none is left to spawn more. */
    private static void killTree(ProcessHandle process) {
        List<ProcessHandle> children = process.children().toList();
        process.destroyForcibly();
        children.forEach(PluginRunner::killTree);
    }

    private static String firstLine(ByteArrayOutputStream stderr) {
        String text = stderr.toString(StandardCharsets.UTF_8).strip();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline).strip();
    }

    private void record(Run run) {
        PluginMeters m = meters.computeIfAbsent(run.plugin(), this::register);
        m.runs(run.outcome()).increment();
        String problem = run.problem();
        if (run.parsed() != null) {
            m.samples().increment(run.parsed().samples().size());
            int bad = run.parsed().errorCount();
            if (bad > 0) {
                m.parseErrors().increment(bad);
                ParseError first = run.parsed().errors().get(0);
                problem = bad + (bad == 1 ? " line" : " lines") + " not understood, the first: " + first;
                // the first error alone decides whether this is news, not how many lines shared it
                logOnce(run.plugin(), first.toString(), problem);
                return;
            }
        }
        if (problem == null) {
            if (problemsLogged.remove(run.plugin()) != null) {
                LOG.info("plugin {}: runs cleanly again", run.plugin());
            }
            return;
        }
        logOnce(run.plugin(), problem, problem);
    }

    private void logOnce(String plugin, String key, String problem) {
        Set<String> logged = problemsLogged.computeIfAbsent(plugin, p -> new LinkedHashSet<>());
        if (logged.contains(key)) {
            return;
        }
        if (logged.size() < PROBLEMS_LOGGED_PER_PLUGIN) {
            logged.add(key);
            LOG.warn("plugin {}: {}", plugin, problem);
        } else if (logged.size() == PROBLEMS_LOGGED_PER_PLUGIN) {
            logged.add("");
            LOG.warn("plugin {}: more than {} different problems; no more are logged until it runs cleanly", plugin,
                    PROBLEMS_LOGGED_PER_PLUGIN);
        }
    }

    private PluginMeters register(String plugin) {
        return new PluginMeters(runs(plugin, "ok"), runs(plugin, "failed"), runs(plugin, "timeout"),
                Counter.builder("dams.agent.plugin.parse.errors").tag("plugin", plugin)
                        .description("Lines of plugin output that could not be parsed").register(registry),
                Counter.builder("dams.agent.plugin.samples").tag("plugin", plugin)
                        .description("Samples read from plugin output").register(registry));
    }

    private Counter runs(String plugin, String result) {
        return Counter.builder("dams.agent.plugin.runs").tag("plugin", plugin).tag("result", result)
                .description("Plugin runs by result").register(registry);
    }
}
