// Alert latency: DAMS (agent-like client -> mutual-TLS edge bridge -> ingest -> rules -> alerting -> notifier webhook)
// beside Prometheus 2.42 + Alertmanager 0.25 (1 s scrape and evaluation, group_wait 0, group_interval 1 s), on the same
// signal, in one run. Single-file program on the launcher's classpath, no Maven:
//   java -cp 'launcher/target/lib/*:launcher/target/dams.jar' bench/alerts/AlertBench.java DIR TRIALS [COMMIT_MS]
//
// One JVM holds the embedded platform (Kafka in-process, the registry and PostgreSQL as its children), a CA, one edge
// bridge at its defaults (producer linger 5 ms), the ingest, rules and alerting jobs (exactly-once, commit.interval.ms
// = COMMIT_MS, default 100), the notifier with one webhook, and the harness: a local HTTP server that is the source
// (an exporter Prometheus scrapes every 1 s), the DAMS webhook receiver and Alertmanager's webhook receiver; a gRPC
// client that reads the same source every 1 s and publishes it to the bridge as an agent does; tails (read_committed)
// of dams.metrics.raw, dams.metrics.samples, dams.alerts.transitions and dams.alerts.notifications for the per-hop
// times. Prometheus and Alertmanager are child processes.
//
// A trial: the source flips from 0 to 1 at a random moment (the rule `bench_signal > 0.5`, no duration, holds from
// then on); both webhooks' firing notifications are awaited; the source flips back to 0 and both resolved notifications
// are awaited; 1-2 s of random gap. The first WARMUP trials are not counted. Figures:
//   pipeline    = DAMS webhook receipt - bridge receipt of the first batch with the value 1 (MetricBatch.received_at)
//   end to end  = webhook receipt - the flip, for DAMS and for Prometheus + Alertmanager
// Each Prometheus trial uses a new series (label incident="<n>"), so each incident is a new Alertmanager group
// (group_wait 0) as each is a new DAMS group (DAMS forgets a group once it resolved); Alertmanager keeps an emptied
// group for up to 30 s and a new alert in it waits for the next group_interval tick.
// Prometheus evaluates each rule group at a fixed offset within the interval (a hash of the group), and scrapes each
// target at another (a hash of the target): within one Prometheus the lag from scrape to evaluation is a constant of
// the configuration. So that the figure is Prometheus' over configurations and not one lucky or unlucky phase, the
// same rule is in PROM_GROUPS rule groups (alerts bench-signal-g0..), each with its own offset; Prometheus' figures
// are over every (trial, group).
// Output: a summary on stdout, one CSV line per trial in DIR/trials.csv (DAMS hop times, epoch ms) and one per trial
// and Prometheus rule group in DIR/prometheus.csv.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.bridge.forward.ForwarderSettings;
import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import io.dams.notifier.Notifier;
import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import io.dams.rules.AlertRule;
import io.dams.rules.catalog.RuleCatalog;
import io.dams.rules.catalog.RuleDiff;
import io.dams.rules.eval.AlertFingerprint;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.RegisterRequest;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.dams.streams.Job;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongPredicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

public class AlertBench {
    static final String TD = "dams.local";
    static final String REGION = "eu-west-1";
    static final String ASSET = "bench-alert-host";
    static final String RULE = "bench-signal";
    static final String METRIC = "bench_signal";
    static final int WARMUP = 3;
    static final int PROM_GROUPS = 10;
    static final Duration WAIT = Duration.ofSeconds(15);
    static final ObjectMapper JSON = new ObjectMapper();

    // ------------------------------------------------------------------ the source and what was received
    /** The signal both systems collect; {@link #incident} names the Prometheus series of the current trial. */
    static volatile double source = 0;
    static volatile int incident = 0;
    static final List<Long> scrapes = new CopyOnWriteArrayList<>();
    record Hook(long at, JsonNode body) {
    }
    static final List<Hook> damsHooks = new CopyOnWriteArrayList<>();
    static final List<Hook> promHooks = new CopyOnWriteArrayList<>();

    // Per batch seq of the client: when it was sent and with what value.
    record Sent(long seq, long at, double value) {
    }
    static final List<Sent> sent = new CopyOnWriteArrayList<>();
    // Tails: seen time (wall clock, ms) and the record's own fields.
    record Seen(long seenAt, long recordTs, long field) {
    }
    static final Map<Long, Seen> rawBySeq = new ConcurrentHashMap<>();        // field = received_at
    static final Map<Long, Seen> samplesBySeq = new ConcurrentHashMap<>();    // field = 0
    static final Map<Long, Seen> firingByAt = new ConcurrentHashMap<>();      // key: transition at; field = evaluated_at
    static final Map<String, Seen> notificationsById = new ConcurrentHashMap<>(); // field = created_at
    static final List<Process> children = new ArrayList<>();

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int trials = Integer.parseInt(a[1]);
        // A number: that commit.interval.ms for the three jobs; "recommended" (the default): each job's
        // Job.recommendedCommitInterval(), as the deploy files and the demo run them.
        String commitArg = a.length > 2 ? a[2] : "recommended";
        long commitMs = commitArg.equals("recommended") ? -1 : Long.parseLong(commitArg);
        Files.createDirectories(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach(Process::destroyForcibly)));

        long t0 = System.nanoTime();
        EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dir.resolve("platform")),
                s -> { });
        Endpoints ep = platform.endpoints();
        log("platform ready in %.1f s: %s", (System.nanoTime() - t0) / 1e9, ep);

        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/metrics", AlertBench::serveMetrics);
        http.createContext("/dams", ex -> receive(ex, damsHooks));
        http.createContext("/prom", ex -> receive(ex, promHooks));
        http.setExecutor(Executors.newFixedThreadPool(4));
        http.start();
        int httpPort = http.getAddress().getPort();

        // The bridge, with its default forwarding (ForwarderSettings.defaults(): linger 5 ms).
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.init(certs, TD, Duration.ofDays(2), Clock.systemUTC());
        TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(TD, REGION, "bench"),
                Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), certs.resolve("bridge"));
        TlsFiles agentTls = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(TD, REGION, ASSET),
                Duration.ofDays(1)), certs.resolve(ASSET));
        BridgeConfig bd = BridgeConfig.defaults();
        ForwarderSettings fd = bd.kafka();
        Path bridgeData = dir.resolve("bridge-data");
        EdgeBridge bridge = EdgeBridge.start(new BridgeConfig(REGION, TD, new BridgeConfig.Listen("127.0.0.1", 0),
                new BridgeConfig.Tls(bridgeTls.cert(), bridgeTls.key(), bridgeTls.ca(), Duration.ofSeconds(30)),
                new BridgeConfig.Status("127.0.0.1", 0), bridgeData,
                new ForwarderSettings(ep.bootstrapServers(), ep.registryUrl(), fd.linger(), fd.spoolAfter(),
                        bridgeData.resolve("spool"), fd.spoolCapacity(), fd.compression()), bd.validation()),
                Clock.systemUTC());
        log("bridge on 127.0.0.1:%d, producer linger %s", bridge.port(), fd.linger());

        // The jobs on the alert path (rollup is not on it), then the notifier.
        JobConfig jd = JobConfig.defaults();
        List<StreamsJob> jobs = new ArrayList<>();
        for (String job : List.of("ingest", "rules", "alerting")) {
            jobs.add(StreamsJob.start(new JobConfig(job, ep.bootstrapServers(), ep.registryUrl(), "",
                    dir.resolve("streams").resolve(job), 1, commitMs < 0 ? Job.named(job).recommendedCommitInterval()
                    : Duration.ofMillis(commitMs), -1,
                    new JobConfig.Status("127.0.0.1", 0), jd.ingest().withApplicationServer("127.0.0.1:0"),
                    jd.rollup(), jd.rules(), jd.alerting().withTimers(Duration.ZERO, Duration.ofSeconds(1),
                    Duration.ofHours(1)).withApplicationServer("127.0.0.1:0"))));
        }
        NotifierConfig nd = NotifierConfig.defaults();
        Notifier notifier = Notifier.start(new NotifierConfig(
                new NotifierConfig.Kafka(ep.bootstrapServers(), ep.registryUrl(), "dams-notifier-bench"),
                new NotifierConfig.Status("127.0.0.1", 0), nd.notifier(),
                new NotifierConfig.Alerting("", Secret.empty(), Secret.empty(), nd.alerting().pagerdutyUrl(),
                        nd.alerting().email(),
                        List.of(new NotifierConfig.Webhook("bench", "http://127.0.0.1:" + httpPort + "/dams")))));
        log("jobs (commit.interval.ms=%s) and notifier started", commitMs < 0 ? "recommended per job" : commitMs);

        Rule rule = Rule.newBuilder().setName(RULE)
                .setCondition(METRIC + "{asset_id=\"" + ASSET + "\"} > 0.5").setDurationMs(0).setWindowMs(60_000)
                .setSeverity(Severity.CRITICAL).setChannels(List.of(NotifierConfig.ALL_WEBHOOKS))
                .setLabels(Map.of()).setAnnotations(Map.of("summary", "bench signal on {{asset_id}}"))
                .setOverrides(new ArrayList<>()).setUpdatedAt(System.currentTimeMillis()).setUpdatedBy("alert-bench")
                .build();
        new RuleCatalog(ep.bootstrapServers(), ep.registryUrl()).apply(new RuleDiff(
                List.of(AlertRule.fromAvro(rule)), List.of(), List.of(), List.of()), "alert-bench");
        String alertId = AlertFingerprint.of(RULE, Map.of("asset_id", ASSET)).alertId();

        int[] promPorts = startPrometheus(dir, httpPort);

        startTails(ep, alertId);
        Client client = Client.start(bridge.port(), agentTls);
        log("client sending every 1 s to the bridge (phase %d ms); Prometheus on %d, Alertmanager on %d",
                client.phaseMs, promPorts[0], promPorts[1]);
        // The jobs start at the end of their topics: wait until a batch of this asset made it through ingest.
        long ready = System.currentTimeMillis() + 120_000;
        while (samplesBySeq.isEmpty() && System.currentTimeMillis() < ready) {
            Thread.sleep(200);
        }
        if (samplesBySeq.isEmpty()) {
            throw new IllegalStateException("no batch reached dams.metrics.samples in 120 s");
        }

        List<String> csv = new ArrayList<>();
        csv.add("trial,flip_ms,load1,client_send,bridge_received,raw_ts,raw_seen,samples_seen,transition_evaluated,"
                + "transition_seen,notification_created,notification_seen,dams_webhook,prom_scrape,prom_g0_starts_at,"
                + "prom_g0_webhook,unused,unused,pipeline_ms,dams_e2e_ms,prom_g0_e2e_ms");
        List<String> promCsv = new ArrayList<>();
        promCsv.add("trial,group,scrape_wait_ms,evaluation_ms,alertmanager_ms,prom_e2e_ms");
        List<long[]> rows = new ArrayList<>();
        List<long[]> promRows = new ArrayList<>();
        List<Double> loads = new ArrayList<>();
        for (int n = 1; n <= trials + WARMUP; n++) {
            incident = n;
            source = 0;
            // A random gap, so the flip falls at a random phase of the client's, the scrapes' and the evaluations'.
            Thread.sleep(1500 + ThreadLocalRandom.current().nextLong(1000));
            double load = load1();
            long flip = System.currentTimeMillis();
            source = 1;
            final int trial = n;
            Optional<Hook> dams = await(damsHooks, h -> "firing".equals(h.body().path("status").asText())
                    && startsAt(h.body()) >= flip);
            List<Optional<Hook>> proms = new ArrayList<>();
            for (int g = 0; g < PROM_GROUPS; g++) {
                proms.add(await(promHooks, promHook("firing", g, trial)));
            }
            Optional<Hook> prom = proms.get(0);
            source = 0;
            long resolvedAfter = System.currentTimeMillis();
            await(damsHooks, h -> "resolved".equals(h.body().path("status").asText()) && h.at() >= resolvedAfter);
            for (int g = 0; g < PROM_GROUPS; g++) {
                await(promHooks, promHook("resolved", g, trial));
            }
            if (n <= WARMUP) {
                log("warm-up trial %d: DAMS %s ms, Prometheus %s ms", n,
                        dams.map(h -> String.valueOf(h.at() - flip)).orElse("-"),
                        prom.map(h -> String.valueOf(h.at() - flip)).orElse("-"));
                continue;
            }
            loads.add(load);
            long[] r = timeline(flip, dams, prom, alertId);
            rows.add(r);
            long scrape = r[11];
            for (int g = 0; g < PROM_GROUPS; g++) {
                long[] p = new long[] {g, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE};
                if (proms.get(g).isPresent()) {
                    long starts = startsAt(proms.get(g).get().body());
                    p[1] = diff(scrape, flip);
                    p[2] = diff(starts, scrape);
                    p[3] = proms.get(g).get().at() - starts;
                    p[4] = proms.get(g).get().at() - flip;
                }
                promRows.add(p);
                promCsv.add((n - WARMUP) + "," + g + "," + fmt(p[1]) + "," + fmt(p[2]) + "," + fmt(p[3]) + ","
                        + fmt(p[4]));
            }
            StringBuilder line = new StringBuilder().append(n - WARMUP).append(',').append(flip).append(',')
                    .append(String.format(Locale.ROOT, "%.2f", load));
            for (int i = 1; i < r.length; i++) {
                line.append(',').append(r[i] == Long.MIN_VALUE ? "" : String.valueOf(r[i]));
            }
            csv.add(line.toString());
            StringBuilder promE2e = new StringBuilder();
            for (long[] p : promRows.subList(promRows.size() - PROM_GROUPS, promRows.size())) {
                promE2e.append(promE2e.length() == 0 ? "" : "/").append(fmt(p[4]));
            }
            log("trial %2d: pipeline %s ms, end to end DAMS %s ms, Prometheus %s ms (groups g0/g1/..) (load %.2f)",
                    n - WARMUP, fmt(r[16]), fmt(r[17]), promE2e, load);
        }
        Files.write(dir.resolve("trials.csv"), csv);
        Files.write(dir.resolve("prometheus.csv"), promCsv);
        report(rows, promRows, loads, commitMs);

        client.close();
        notifier.close();
        for (StreamsJob j : jobs) {
            j.close();
        }
        bridge.close();
        children.forEach(Process::destroy);
        http.stop(0);
        platform.close();
        System.exit(0);
    }

    // ------------------------------------------------------------------ one trial's timeline
    /**
     * Indices: 0 flip, 1 client send, 2 bridge received_at, 3 raw record timestamp, 4 raw seen, 5 samples seen,
     * 6 transition evaluated_at, 7 transition seen, 8 notification created_at, 9 notification seen, 10 DAMS webhook,
     * 11 first scrape after the flip, 12 Prometheus startsAt, 13 Prometheus webhook, 14-15 unused, 16 pipeline,
     * 17 DAMS end to end, 18 Prometheus end to end. Long.MIN_VALUE: not seen.
     */
    static long[] timeline(long flip, Optional<Hook> dams, Optional<Hook> prom, String alertId) {
        long[] r = new long[19];
        java.util.Arrays.fill(r, Long.MIN_VALUE);
        r[0] = flip;
        Sent first = sent.stream().filter(s -> s.value() == 1 && s.at() >= flip).findFirst().orElse(null);
        if (first != null) {
            r[1] = first.at();
            Seen raw = rawBySeq.get(first.seq());
            if (raw != null) {
                r[2] = raw.field();
                r[3] = raw.recordTs();
                r[4] = raw.seenAt();
            }
            Seen samples = samplesBySeq.get(first.seq());
            if (samples != null) {
                r[5] = samples.seenAt();
            }
            // The FIRING transition's `at` is the event time of the batch: the sample's timestamp = the send time.
            Seen firing = firingByAt.get(first.at());
            if (firing != null) {
                r[6] = firing.field();
                r[7] = firing.seenAt();
            }
        }
        if (dams.isPresent()) {
            r[10] = dams.get().at();
            Seen n = notificationsById.get(dams.get().body().path("notificationId").asText());
            if (n != null) {
                r[8] = n.field();
                r[9] = n.seenAt();
            }
            r[17] = r[10] - flip;
            if (r[2] != Long.MIN_VALUE) {
                r[16] = r[10] - r[2];
            }
        }
        long scrape = scrapes.stream().filter(t -> t >= flip).findFirst().orElse(Long.MIN_VALUE);
        r[11] = scrape;
        if (prom.isPresent()) {
            r[12] = startsAt(prom.get().body());
            r[13] = prom.get().at();
            r[18] = r[13] - flip;
        }
        return r;
    }

    static java.util.function.Predicate<Hook> promHook(String status, int group, int trial) {
        return h -> status.equals(h.body().path("status").asText())
                && (RULE + "-g" + group).equals(h.body().path("commonLabels").path("alertname").asText())
                && String.valueOf(trial).equals(h.body().path("commonLabels").path("incident").asText());
    }

    static void report(List<long[]> rows, List<long[]> promRows, List<Double> loads, long commitMs) {
        System.out.println("=== RESULT (" + rows.size() + " trials, commit.interval.ms=" + (commitMs < 0 ? "recommended per job: ingest 100, rules 20, alerting 20" : commitMs) + ")");
        System.out.printf(Locale.ROOT, "load average (1 min) at the flips: min %.2f, mean %.2f, max %.2f%n",
                loads.stream().mapToDouble(d -> d).min().orElse(0), loads.stream().mapToDouble(d -> d).average().orElse(0),
                loads.stream().mapToDouble(d -> d).max().orElse(0));
        row("pipeline: bridge receipt -> DAMS webhook", rows, r -> r[16]);
        row("end to end DAMS: flip -> webhook", rows, r -> r[17]);
        row("end to end Prometheus+AM: flip -> webhook, all groups", promRows, p -> p[4]);
        System.out.println("--- DAMS hops (ms)");
        row("  source wait: flip -> client send (collection phase)", rows, r -> diff(r[1], r[0]));
        row("  client send -> bridge received_at", rows, r -> diff(r[2], r[1]));
        row("  bridge received_at -> raw record timestamp", rows, r -> diff(r[3], r[2]));
        row("  bridge received_at -> raw visible", rows, r -> diff(r[4], r[2]));
        row("  ingest: raw visible -> samples visible", rows, r -> diff(r[5], r[4]));
        row("  rules: samples visible -> evaluated_at", rows, r -> diff(r[6], r[5]));
        row("  rules: evaluated_at -> transition visible", rows, r -> diff(r[7], r[6]));
        row("  alerting: transition visible -> created_at", rows, r -> diff(r[8], r[7]));
        row("  alerting: created_at -> notification visible", rows, r -> diff(r[9], r[8]));
        row("  notifier: notification visible -> webhook", rows, r -> diff(r[10], r[9]));
        System.out.println("--- Prometheus hops (ms)");
        row("  scrape wait: flip -> first scrape", rows, r -> diff(r[11], r[0]));
        for (int g = 0; g < PROM_GROUPS; g++) {
            final int group = g;
            List<long[]> of = promRows.stream().filter(p -> p[0] == group).toList();
            row("  group g" + g + ": evaluation: first scrape -> startsAt", of, p -> p[2]);
            row("  group g" + g + ": Alertmanager: startsAt -> webhook", of, p -> p[3]);
            row("  group g" + g + ": end to end", of, p -> p[4]);
        }
    }

    interface Pick {
        long of(long[] row);
    }

    static void row(String name, List<long[]> rows, Pick pick) {
        long[] v = rows.stream().mapToLong(pick::of).filter(x -> x != Long.MIN_VALUE).sorted().toArray();
        if (v.length == 0) {
            System.out.printf("%-58s n=0%n", name);
            return;
        }
        System.out.printf(Locale.ROOT, "%-58s n=%d min=%d p50=%d p95=%d p99=%d max=%d mean=%.0f%n", name, v.length,
                v[0], pct(v, 0.50), pct(v, 0.95), pct(v, 0.99), v[v.length - 1],
                java.util.Arrays.stream(v).average().orElse(0));
    }

    /** Nearest rank. */
    static long pct(long[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static long diff(long later, long earlier) {
        return later == Long.MIN_VALUE || earlier == Long.MIN_VALUE ? Long.MIN_VALUE : later - earlier;
    }

    static String fmt(long v) {
        return v == Long.MIN_VALUE ? "-" : String.valueOf(v);
    }

    // ------------------------------------------------------------------ HTTP: exporter and webhook receivers
    static void serveMetrics(HttpExchange ex) throws IOException {
        scrapes.add(System.currentTimeMillis());
        byte[] body = ("# TYPE " + METRIC + " gauge\n" + METRIC + "{asset_id=\"" + ASSET + "\",incident=\"" + incident
                + "\"} " + source + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
        ex.sendResponseHeaders(200, body.length);
        try (var out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static void receive(HttpExchange ex, List<Hook> into) throws IOException {
        long at = System.currentTimeMillis();
        try (var in = ex.getRequestBody()) {
            into.add(new Hook(at, JSON.readTree(in)));
        }
        ex.sendResponseHeaders(200, -1);
        ex.close();
    }

    static long startsAt(JsonNode body) {
        long earliest = Long.MAX_VALUE;
        for (JsonNode alert : body.path("alerts")) {
            earliest = Math.min(earliest, OffsetDateTime.parse(alert.path("startsAt").asText()).toInstant().toEpochMilli());
        }
        return earliest;
    }

    static Optional<Hook> await(List<Hook> hooks, java.util.function.Predicate<Hook> which) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (Hook h : hooks) {
                if (which.test(h)) {
                    return Optional.of(h);
                }
            }
            Thread.sleep(20);
        }
        log("a webhook did not arrive within %s", WAIT);
        return Optional.empty();
    }

    // ------------------------------------------------------------------ Prometheus and Alertmanager
    static int[] startPrometheus(Path dir, int httpPort) throws Exception {
        Path prometheus = onPath("prometheus");
        Path alertmanager = onPath("prometheus-alertmanager") != null ? onPath("prometheus-alertmanager")
                : onPath("alertmanager");
        if (prometheus == null || alertmanager == null) {
            throw new IllegalStateException("prometheus and prometheus-alertmanager must be installed");
        }
        int amPort = freePort();
        int promPort = freePort();
        Files.writeString(dir.resolve("alertmanager.yml"), String.join("\n",
                "route:", "  receiver: bench", "  group_by: [alertname, incident]", "  group_wait: 0s",
                "  group_interval: 1s", "  repeat_interval: 1h",
                "receivers:", "  - name: bench", "    webhook_configs:",
                "      - url: http://127.0.0.1:" + httpPort + "/prom", "        send_resolved: true", ""));
        StringBuilder rules = new StringBuilder("groups:\n");
        for (int g = 0; g < PROM_GROUPS; g++) {
            rules.append("  - name: bench-g").append(g).append("\n    interval: 1s\n    rules:\n")
                    .append("      - alert: ").append(RULE).append("-g").append(g).append('\n')
                    .append("        expr: '").append(METRIC).append(" > 0.5'\n");
        }
        Files.writeString(dir.resolve("rules.yml"), rules.toString());
        Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global:", "  scrape_interval: 1s", "  evaluation_interval: 1s",
                "rule_files: [" + dir.resolve("rules.yml") + "]",
                "alerting:", "  alertmanagers:", "    - static_configs: [{targets: ['127.0.0.1:" + amPort + "']}]",
                "scrape_configs:", "  - job_name: source",
                "    static_configs: [{targets: ['127.0.0.1:" + httpPort + "']}]", ""));
        children.add(new ProcessBuilder(alertmanager.toString(), "--config.file=" + dir.resolve("alertmanager.yml"),
                "--storage.path=" + dir.resolve("alertmanager-data"), "--web.listen-address=127.0.0.1:" + amPort,
                "--cluster.listen-address=").redirectErrorStream(true)
                .redirectOutput(dir.resolve("alertmanager.log").toFile()).start());
        children.add(new ProcessBuilder(prometheus.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("prometheus-data"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start());
        HttpClient client = HttpClient.newHttpClient();
        for (int port : new int[] {amPort, promPort}) {
            long deadline = System.currentTimeMillis() + 30_000;
            while (true) {
                try {
                    if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("not ready on " + port + "; see the logs in " + dir);
                }
                Thread.sleep(100);
            }
        }
        return new int[] {promPort, amPort};
    }

    static Path onPath(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p) && Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ tails of the topics on the path
    static void startTails(Endpoints ep, String alertId) {
        tail(ep, Topics.METRICS_RAW.name(), (ConsumerRecord<String, Object> r, Long now) -> {
            if (ASSET.equals(r.key()) && r.value() instanceof MetricBatch b) {
                rawBySeq.putIfAbsent(b.getSeq(), new Seen(now, r.timestamp(), b.getReceivedAt()));
            }
        });
        tail(ep, Topics.METRICS_SAMPLES.name(), (ConsumerRecord<String, Object> r, Long now) -> {
            if (ASSET.equals(r.key()) && r.value() instanceof MetricBatch b) {
                samplesBySeq.putIfAbsent(b.getSeq(), new Seen(now, r.timestamp(), 0));
            }
        });
        tail(ep, Topics.ALERTS_TRANSITIONS.name(), (ConsumerRecord<String, Object> r, Long now) -> {
            if (alertId.equals(r.key()) && r.value() instanceof AlertTransition t && t.getToState() == AlertState.FIRING) {
                firingByAt.putIfAbsent(t.getAt(), new Seen(now, r.timestamp(), t.getEvaluatedAt()));
            }
        });
        tail(ep, Topics.ALERTS_NOTIFICATIONS.name(), (ConsumerRecord<String, Object> r, Long now) -> {
            if (r.value() instanceof Notification n && n.getStatus() == NotificationStatus.FIRING) {
                notificationsById.putIfAbsent(n.getNotificationId(), new Seen(now, r.timestamp(), n.getCreatedAt()));
            }
        });
    }

    static void tail(Endpoints ep, String topic, BiConsumer<ConsumerRecord<String, Object>, Long> handler) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(ep.registryUrl()).consumerConfig());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        Thread t = new Thread(() -> {
            while (true) {
                for (ConsumerRecord<String, Object> r : consumer.poll(Duration.ofMillis(500))) {
                    handler.accept(r, System.currentTimeMillis());
                }
            }
        }, "tail-" + topic);
        t.setDaemon(true);
        t.start();
    }

    // ------------------------------------------------------------------ the agent-like client
    /** Reads the source every second and publishes it to the bridge over mutual TLS, as an agent does. */
    static final class Client implements StreamObserver<Ack> {
        final ManagedChannel channel;
        final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        final AtomicLong seq = new AtomicLong(System.currentTimeMillis());
        final long phaseMs;
        volatile StreamObserver<Batch> out;
        volatile boolean closing;

        Client(ManagedChannel channel, long phaseMs) {
            this.channel = channel;
            this.phaseMs = phaseMs;
        }

        static Client start(int bridgePort, TlsFiles tls) throws Exception {
            ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + bridgePort)
                    .sslContext(GrpcSslContexts.forClient().keyManager(tls.cert().toFile(), tls.key().toFile())
                            .trustManager(tls.ca().toFile()).build())
                    .overrideAuthority("localhost").build();
            IngestGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).register(RegisterRequest
                    .newBuilder().setAsset(AssetInfo.newBuilder().setAssetId(ASSET).setRegion(REGION).setSite("bench")
                            .setHostname(ASSET).setCollectionIntervalMs(1000).build()).build());
            long phase = ThreadLocalRandom.current().nextLong(1000);
            Client client = new Client(channel, phase);
            client.open();
            long now = System.currentTimeMillis();
            client.clock.scheduleAtFixedRate(client::collect, 1000 + phase - now % 1000, 1000, TimeUnit.MILLISECONDS);
            return client;
        }

        void open() {
            out = IngestGrpc.newStub(channel).publish(this);
        }

        void collect() {
            long now = System.currentTimeMillis();
            double value = source;
            long s = seq.incrementAndGet();
            Batch batch = Batch.newBuilder().setAssetId(ASSET).setAgentId("bench-agent").setRegion(REGION).setSeq(s)
                    .setSentAtMs(now).addSamples(io.dams.schemas.ingest.v1.Sample.newBuilder().setName(METRIC)
                            .setTimestampMs(now).setValue(value).build()).build();
            sent.add(new Sent(s, now, value));
            synchronized (this) {
                out.onNext(batch);
            }
        }

        @Override
        public void onNext(Ack ack) {
        }

        @Override
        public void onError(Throwable t) {
            if (closing) {
                return;
            }
            log("publish stream failed (%s); reopening", t);
            synchronized (this) {
                open();
            }
        }

        @Override
        public void onCompleted() {
        }

        void close() {
            closing = true;
            clock.shutdownNow();
            channel.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ misc
    static double load1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException e) {
            return Double.NaN;
        }
    }

    static void log(String format, Object... args) {
        System.out.printf("%tT.%<tL ", System.currentTimeMillis());
        System.out.printf(Locale.ROOT, format + "%n", args);
    }
}
