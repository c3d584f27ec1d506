package io.dams.agent;

import io.dams.agent.collect.CollectedSample;
import io.dams.agent.collect.Collector;
import io.dams.agent.collect.HostCollector;
import io.dams.agent.collect.PluginRunner;
import io.dams.agent.collect.PushBuffer;
import io.dams.agent.config.AgentConfig;
import io.dams.agent.send.Backoff;
import io.dams.agent.send.BridgeLink;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.config.Durations;
import io.dams.runtime.queue.DiskQueue;
import io.dams.runtime.status.StatusServer;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The asset agent: every tick it collects the host's metrics, plugins' output and pushed samples into one batch,
 * stores it in the on-disk outbox, and its bridge link sends it. Serves {@code /healthz}, {@code /metrics} (what it
 * collects and its own state) and {@code /push} on its health port.
 */
public final class Agent implements AutoCloseable {

    /** Version reported at registration. */
    public static final String VERSION = "0.1.0";

    /** How long {@link #close()} waits for a collection in progress; plugins are already bounded by their timeout. */
    static final Duration TICK_STOP_WAIT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final Clock clock;
    private final List<Collector> collectors;
    private final PushBuffer push;
    private final DiskQueue outbox;
    private final MutualTls tls;
    private final BridgeLink link;
    private final StatusServer status;
    private final ScheduledExecutorService ticker;
    private final PrometheusMeterRegistry registry;
    private final StartedParts parts;
    private final AtomicReference<List<CollectedSample>> lastCollection = new AtomicReference<>(List.of());
    private final Timer collectTime;
    private final Counter collectFailures;

    private Agent(AgentConfig config, Clock clock, PrometheusMeterRegistry registry, List<Collector> collectors,
                  PushBuffer push, DiskQueue outbox, MutualTls tls, BridgeLink link, StatusServer status,
                  ScheduledExecutorService ticker, StartedParts parts) {
        this.parts = parts;
        this.config = config;
        this.clock = clock;
        this.registry = registry;
        this.collectors = collectors;
        this.push = push;
        this.outbox = outbox;
        this.tls = tls;
        this.link = link;
        this.status = status;
        this.ticker = ticker;
        this.collectTime = Timer.builder("dams.agent.collect.duration").register(registry);
        this.collectFailures = Counter.builder("dams.agent.collect.failures").register(registry);
    }

    /**
     * Starts collecting and sending; the first batch is collected at once. {@code /healthz} answers from the start:
     * 503 with {@code "status": "starting"} until every part is up, then 200 with {@code "status": "ok"}.
     */
    public static Agent start(AgentConfig config, Clock clock) {
        return start(config, clock, HostCollector::new);
    }

    /**
     * As {@link #start(AgentConfig, Clock)}, with the host collector built by {@code hostCollector}. It is built on a
     * thread of its own while the outbox and TLS are opened (OSHI's set-up and the TLS context's are the slow parts of
     * a start, and neither needs the other).
     */
    static Agent start(AgentConfig config, Clock clock, Supplier<? extends Collector> hostCollector) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PushBuffer push = config.health().pushCapacity() > 0
                ? new PushBuffer(config.health().pushCapacity(), registry) : null;
        AtomicReference<Agent> self = new AtomicReference<>();
        // First, so that a taken port fails the start before anything is opened, and so that the server is warm by
        // the time the agent is.
        StatusServer status = StatusServer.start(config.health().host(), config.health().port(),
                () -> {
                    Agent agent = self.get();
                    return agent == null ? Map.of("status", "starting") : agent.health();
                },
                () -> {
                    Agent agent = self.get();
                    return agent == null ? "" : agent.metricsText();
                },
                pushRoute(push, clock));
        CompletableFuture<Collector> host = new CompletableFuture<>();
        Thread building = new Thread(() -> {
            try {
                host.complete(hostCollector.get());
            } catch (Throwable e) {
                host.completeExceptionally(e);
            }
        }, "dams-agent-start");
        building.setDaemon(true);
        building.start();
        StartedParts started = new StartedParts();
        boolean hostAdded = false;
        try {
            Files.createDirectories(config.buffer().dir());
            DiskQueue outbox = started.add(DiskQueue.open(config.buffer().dir().resolve("outbox.mv"),
                    config.buffer().capacity()));
            registry.gauge("dams.agent.buffer.batches", outbox, DiskQueue::size);
            registry.gauge("dams.agent.buffer.bytes", outbox, DiskQueue::bytes);
            registry.more().counter("dams.agent.buffer.dropped.batches", List.of(), outbox, DiskQueue::droppedRecords);
            MutualTls tls = started.add(MutualTls.client(new TlsFiles(config.bridge().certFile(),
                    config.bridge().keyFile(), config.bridge().caFile()), Duration.ofSeconds(30)));
            registry.gauge("dams.agent.certificate.expiry.seconds", tls,
                    t -> t.certificateExpiry().getEpochSecond() - clock.instant().getEpochSecond());
            List<Collector> collectors = new ArrayList<>();
            collectors.add(started.add(built(host)));
            hostAdded = true;
            if (config.plugins().dir() != null) {
                collectors.add(started.add(new PluginRunner(config.plugins().dir(), config.plugins().timeout(), registry)));
            }
            BridgeLink link = started.add(new BridgeLink(config.bridge().address(), null, tls, outbox,
                    new Backoff(config.backoff().initial(), config.backoff().max(), config.backoff().jitter()),
                    assetInfo(config), registry)).start();
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dams-agent-tick");
                t.setDaemon(true);
                return t;
            });
            Agent agent = new Agent(config, clock, registry, collectors, push, outbox, tls, link, status, ticker, started);
            self.set(agent);
            ticker.scheduleAtFixedRate(agent::tick, 0, config.bridge().sendInterval().toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("agent for asset {} in region {} started: bridge {}, every {}, health on {}:{}", config.assetId(),
                    config.region(), config.bridge().address(), Durations.format(config.bridge().sendInterval()),
                    config.health().host(),
                    status.port());
            return agent;
        } catch (IOException e) {
            stopAfterFailedStart(started, status, host, hostAdded);
            throw new UncheckedIOException("cannot start the agent: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            stopAfterFailedStart(started, status, host, hostAdded);
            throw e;
        }
    }

    private static Collector built(CompletableFuture<Collector> host) {
        try {
            return host.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            // e.g. JNA's native library refused by a noexec jna.tmpdir
            throw new IllegalStateException("cannot read this host's metrics: " + e.getCause(), e.getCause());
        }
    }

    private static void stopAfterFailedStart(StartedParts started, StatusServer status,
                                             CompletableFuture<Collector> host, boolean hostAdded) {
        started.close();
        status.close();
        if (!hostAdded) {
            // Still being built, perhaps: close it whenever it is done.
            host.thenAccept(Collector::close);
        }
    }

    private static Map<String, StatusServer.Route> pushRoute(PushBuffer push, Clock clock) {
        if (push == null) {
            return Map.of();
        }
        return Map.of("/push", (method, body) -> {
            if (!method.equals("POST")) {
                return StatusServer.Response.json(405, Map.of("error", "POST Prometheus text to /push"));
            }
            PushBuffer.Receipt receipt = push.accept(body, clock.millis());
            return StatusServer.Response.json(receipt.full() ? 429 : receipt.errors().isEmpty() ? 200 : 400,
                    Map.of("accepted", receipt.accepted(), "errors", receipt.errors()));
        });
    }

    public int healthPort() {
        return status.port();
    }

    public BridgeLink link() {
        return link;
    }

    /** One tick: collect everything into one batch and put it in the outbox. */
    void tick() {
        long now = clock.millis();
        List<CollectedSample> samples = new ArrayList<>(512);
        Timer.Sample timing = Timer.start();
        for (Collector collector : collectors) {
            try {
                collector.collect(now, samples::add);
            } catch (RuntimeException e) {
                collectFailures.increment();
                LOG.warn("collector {} failed: {}", collector.name(), e.toString());
            }
        }
        if (push != null) {
            samples.addAll(push.drain());
        }
        timing.stop(collectTime);
        lastCollection.set(samples);
        Batch.Builder batch = Batch.newBuilder().setAssetId(config.assetId()).setAgentId(config.assetId())
                .setRegion(config.region()).setSentAtMs(now);
        for (CollectedSample s : samples) {
            batch.addSamples(ingestSample(s));
        }
        try {
            outbox.append(batch.build().toByteArray());
            link.outboxChanged();
        } catch (RuntimeException e) {
            LOG.warn("cannot store a batch in the outbox {}: {}", config.buffer().dir(), e.toString());
        }
    }

    Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", "ok");
        h.put("asset_id", config.assetId());
        h.put("region", config.region());
        h.put("bridge", config.bridge().address());
        h.put("connected", link.connected());
        h.put("last_successful_send", link.lastAcknowledged().map(Instant::toString).orElse(null));
        h.put("last_error", link.lastError().isEmpty() ? null : link.lastError());
        h.put("buffer_batches", outbox.size());
        h.put("buffer_bytes", outbox.bytes());
        h.put("buffer_dropped_batches", outbox.droppedRecords());
        h.put("certificate_expiry", tls.certificateExpiry().toString());
        return h;
    }

    /** What the agent collected last, in Prometheus text, followed by its own meters. */
    String metricsText() {
        StringBuilder out = new StringBuilder(16_384);
        for (CollectedSample s : lastCollection.get()) {
            out.append(s.name());
            if (!s.labels().isEmpty()) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<String, String> l : s.labels().entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    out.append(l.getKey()).append("=\"").append(l.getValue().replace("\\", "\\\\")
                            .replace("\"", "\\\"").replace("\n", "\\n")).append('"');
                }
                out.append('}');
            }
            out.append(' ').append(formatValue(s.value())).append(' ').append(s.timestampMs()).append('\n');
        }
        return out.append(registry.scrape()).toString();
    }

    private static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        return Double.toString(v);
    }

    /**
     * Stops collecting (a tick in flight is let finish, for up to {@link #TICK_STOP_WAIT}), then the status port, the
     * link, the collectors, TLS and the outbox, newest first.
     */
    @Override
    public void close() {
        // Not shutdownNow() at once: NIO closes a file channel whose thread is interrupted, so interrupting a tick
        // that is writing the outbox would close the outbox under it and lose that batch.
        ticker.shutdown();
        try {
            if (!ticker.awaitTermination(TICK_STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("the collection in progress did not end within {}; interrupting it",
                        Durations.format(TICK_STOP_WAIT));
                ticker.shutdownNow();
            }
        } catch (InterruptedException e) {
            ticker.shutdownNow();
            Thread.currentThread().interrupt();
        }
        status.close();
        parts.close();
    }

    /** A collected sample as the ingest API carries it; its labels keep the sample's (name) order. */
    public static Sample ingestSample(CollectedSample s) {
        Sample.Builder sample = Sample.newBuilder().setName(s.name()).setTimestampMs(s.timestampMs())
                .setValue(s.value());
        for (Map.Entry<String, String> label : s.labels().entrySet()) {
            sample.addLabels(Label.newBuilder().setName(label.getKey()).setValue(label.getValue()));
        }
        return sample.build();
    }

    static AssetInfo assetInfo(AgentConfig config) {
        AssetInfo.Builder info = AssetInfo.newBuilder().setAssetId(config.assetId()).setRegion(config.region())
                .setKind(config.kind()).setOs(System.getProperty("os.name", "")).setArch(System.getProperty("os.arch", ""))
                .putAllTags(config.tags()).setAgentVersion(VERSION)
                .setCollectionIntervalMs((int) config.bridge().sendInterval().toMillis());
        if (config.site() != null) {
            info.setSite(config.site());
        }
        if (config.latitude() != null) {
            info.setLatitude(config.latitude()).setLongitude(config.longitude());
        }
        try {
            info.setHostname(java.net.InetAddress.getLocalHost().getHostName());
        } catch (IOException ignored) {
            // The host name is descriptive only.
        }
        return info.build();
    }


}
