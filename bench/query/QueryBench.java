// Maven-free benchmark of the query API against Prometheus, on the same number of series. Runs with the launcher's
// classpath as a single-file source program (bench/query/run.sh does it):
//   java -cp 'launcher/target/lib/*:launcher/target/dams.jar' bench/query/QueryBench.java [options]
// Options (defaults in brackets):
//   --dir DIR            work directory: platform data, job state, Prometheus TSDB, logs, results.md [a new temp dir]
//   --assets N           assets [10000]          --series N   series per asset [50]
//   --duration S         measured seconds of each wrk run [30]   --warmup S   unmeasured wrk run before each [20]
//   --rounds N           how many times the whole sequence of wrk runs is repeated [1]
//   --scrape-interval D  Prometheus's scrape_interval [15s]
//   --jfr                record a JFR profile (settings=profile, via jcmd) of this JVM during each measured DAMS run
//   --only LIST          run only these targets (comma-separated): dams-metrics,prometheus,dams-assets,dams-assets-1000
//   --hold MINUTES       after the runs, keep everything up this long (endpoints and token in DIR/endpoints.txt) [0]
//
// One JVM holds the embedded platform (Kafka, registry child JVM, PostgreSQL), the ingest job (StreamsJob, with its
// interactive-query server), the query service (QueryService) and a static Prometheus exporter serving the same
// assets x series as text. Prometheus 2.42 runs as a child process on a free loopback port and scrapes that exporter.
// After both hold all the series, `wrk -t2 -c4 -d<duration>s --latency` runs against each target one after another.
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import io.dams.query.QueryConfig;
import io.dams.query.QueryService;
import io.dams.query.auth.Role;
import io.dams.query.auth.Tokens;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.ingest.IngestSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

public class QueryBench {

    static final String REGION = "eu-west-1";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    static Path dir;
    static int assets = 10_000;
    static int series = 50;
    static int durationS = 30;
    static int warmupS = 20;
    static int rounds = 1;
    static String scrapeInterval = "15s";
    static boolean jfr;
    static Set<String> only;
    static int holdMinutes;
    static final List<AutoCloseable> parts = new ArrayList<>();
    static final StringBuilder report = new StringBuilder();

    public static void main(String[] a) throws Exception {
        for (int i = 0; i < a.length; i++) {
            switch (a[i]) {
                case "--dir" -> dir = Path.of(a[++i]);
                case "--assets" -> assets = Integer.parseInt(a[++i]);
                case "--series" -> series = Integer.parseInt(a[++i]);
                case "--duration" -> durationS = Integer.parseInt(a[++i]);
                case "--warmup" -> warmupS = Integer.parseInt(a[++i]);
                case "--rounds" -> rounds = Integer.parseInt(a[++i]);
                case "--scrape-interval" -> scrapeInterval = a[++i];
                case "--jfr" -> jfr = true;
                case "--only" -> only = Set.of(a[++i].split(","));
                case "--hold" -> holdMinutes = Integer.parseInt(a[++i]);
                default -> throw new IllegalArgumentException("unknown option " + a[i]);
            }
        }
        if (dir == null) {
            dir = Files.createTempDirectory("dams-querybench-");
        }
        Files.createDirectories(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(QueryBench::closeAll));
        try {
            run();
        } finally {
            closeAll();
        }
        System.exit(0);
    }

    static synchronized void closeAll() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                System.out.println("close: " + e);
            }
        }
        parts.clear();
    }

    static void log(String format, Object... args) {
        System.out.printf("[%s] %s%n", Instant.now().toString().substring(11, 19), String.format(format, args));
    }

    static String asset(int i) {
        return String.format("bench-%05d", i);
    }

    static String metricName(int s) {
        return "bench_metric_" + (s / 5);
    }

    static String device(int s) {
        return "d" + (s % 5);
    }

    static double value(int i, int s) {
        return i + s / 4.0;
    }

    // ------------------------------------------------------------------------------------------------------- run
    static void run() throws Exception {
        log("work dir %s; %d assets x %d series; pid %d", dir, assets, series, ProcessHandle.current().pid());
        long t0 = System.nanoTime();
        EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dir.resolve("platform")),
                s -> log("platform: %s", s));
        parts.add(platform);
        Endpoints ep = platform.endpoints();
        log("platform ready in %.1f s: %s", (System.nanoTime() - t0) / 1e9, ep);

        JobConfig defaults = JobConfig.defaults();
        JobConfig jobConfig = new JobConfig("ingest", ep.bootstrapServers(), ep.registryUrl(), "dams-ingest-bench",
                dir.resolve("ingest-state"), 1, Duration.ofMillis(100), 1, new JobConfig.Status("127.0.0.1", 0),
                IngestSettings.defaults().withApplicationServer("127.0.0.1:0"), defaults.rollup());
        StreamsJob job = StreamsJob.start(jobConfig);
        parts.add(job);
        String iq = "http://" + job.applicationServer().orElseThrow();

        // Prometheus starts scraping while DAMS loads. The exporter is made after the ingest job: the JDK reads its
        // HTTP server settings once, at the first server the JVM makes, and the interactive-query server sets them.
        byte[] exposition = exposition();
        HttpServer exporter = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        exporter.createContext("/metrics", ex -> {
            try (ex) {
                ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                ex.sendResponseHeaders(200, exposition.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(exposition);
                }
            }
        });
        exporter.start();
        parts.add(() -> exporter.stop(0));
        log("exporter on 127.0.0.1:%d: %d series, %.1f MiB of text", exporter.getAddress().getPort(),
                assets * series, exposition.length / 1048576.0);
        Prometheus prometheus = Prometheus.start(exporter.getAddress().getPort());
        parts.add(prometheus);

        Tokens.IssuedToken token = Tokens.generate("bench", Role.VIEWER);
        QueryConfig qd = QueryConfig.defaults();
        QueryConfig queryConfig = new QueryConfig(new QueryConfig.Listen("127.0.0.1", 0),
                new QueryConfig.InteractiveQuerySettings(List.of(URI.create(iq)), qd.interactiveQueries().timeout(),
                        qd.interactiveQueries().listingRefresh(), qd.interactiveQueries().listingMaxAge()),
                List.of(token.entry()), qd.limits());
        QueryService query = QueryService.start(queryConfig);
        parts.add(query);
        String api = "http://127.0.0.1:" + query.port();
        String auth = "Bearer " + token.secret();
        log("ingest job interactive queries on %s; query API on %s (listing refresh %s)", iq, api,
                qd.interactiveQueries().listingRefresh());

        load(ep);
        long l0 = System.nanoTime();
        waitForApi(api, auth);
        log("API lists all %d assets with %d series each, %.1f s after the load was sent", assets, series,
                (System.nanoTime() - l0) / 1e9);
        prometheus.awaitSeries(assets * series);
        Files.writeString(dir.resolve("endpoints.txt"), String.join("\n", "api=" + api, "authorization=" + auth,
                "iq=" + iq, "prometheus=" + prometheus.url, "pid=" + ProcessHandle.current().pid(), ""));

        Map<String, Integer> sizes = new LinkedHashMap<>();
        sizes.put("dams-metrics", get(api + "/api/v2/metrics/" + asset(42), auth).body().length);
        sizes.put("dams-assets", get(api + "/api/v2/assets", auth).body().length);
        sizes.put("dams-assets-1000", get(api + "/api/v2/assets?limit=1000", auth).body().length);
        sizes.put("prometheus", get(prometheus.url + promPath(asset(42)), null).body().length);

        report.append("## QueryBench ").append(Instant.now()).append('\n').append('\n')
                .append(String.format("%d assets x %d series; wrk -t2 -c4 -d%ds --latency (after a %d s warm-up run); "
                                + "Prometheus scrape_interval %s; JVM pid %d, Prometheus pid %d; sun.net.httpserver.nodelay=%s%n%n",
                        assets, series, durationS, warmupS, scrapeInterval, ProcessHandle.current().pid(),
                        prometheus.pid(), System.getProperty("sun.net.httpserver.nodelay")))
                .append("| round | target | response bytes | requests/s | p50 ms | p90 ms | p95 ms | p99 ms | max ms "
                        + "| non-2xx | errors | load before | load after | machine busy cores | DAMS JVM cores "
                        + "| Prometheus cores |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");

        String script = Path.of("bench/query/random-asset.lua").toAbsolutePath().toString();
        for (int round = 1; round <= rounds; round++) {
            List<Target> targets = List.of(
                    new Target("dams-metrics", api, "/api/v2/metrics/{asset}", auth),
                    new Target("prometheus", prometheus.url, promPath("{asset}"), ""),
                    new Target("dams-assets", api, "/api/v2/assets", auth),
                    new Target("dams-assets-1000", api, "/api/v2/assets?limit=1000", auth));
            Map<String, Wrk> results = new LinkedHashMap<>();
            for (Target target : targets) {
                if (only != null && !only.contains(target.name)) {
                    continue;
                }
                wrk(script, target, warmupS);
                String load0 = loadAverage();
                long[] machine0 = machineCpu();
                long jvm0 = cpuTicks(ProcessHandle.current().pid());
                long prom0 = cpuTicks(prometheus.pid());
                boolean profile = jfr && target.name.startsWith("dams");
                if (profile) {
                    jcmd("JFR.start", "name=bench", "settings=profile",
                            "filename=" + dir.resolve("round" + round + "-" + target.name + ".jfr"));
                }
                long w0 = System.nanoTime();
                Wrk result = wrk(script, target, durationS);
                double secs = (System.nanoTime() - w0) / 1e9;
                if (profile) {
                    jcmd("JFR.stop", "name=bench");
                }
                long[] machine1 = machineCpu();
                double jvmCores = (cpuTicks(ProcessHandle.current().pid()) - jvm0) / 100.0 / secs;
                double promCores = (cpuTicks(prometheus.pid()) - prom0) / 100.0 / secs;
                double busy = (machine1[0] - machine0[0]) / 100.0 / secs;
                String load1 = loadAverage();
                results.put(target.name, result);
                String row = String.format("| %d | %s | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %s | %s | %s "
                                + "| %.2f | %.2f | %.2f |%n", round, target.name, sizes.get(target.name), result.rps,
                        result.p50, result.p90, result.p95, result.p99, result.max, result.non2xx, result.errors, load0,
                        load1, busy, jvmCores, promCores);
                report.append(row);
                log("%s", row.strip());
            }
            Wrk prom = results.get("prometheus");
            if (prom != null) {
                for (String name : List.of("dams-metrics", "dams-assets", "dams-assets-1000")) {
                    Wrk d = results.get(name);
                    if (d != null) {
                        String ratio = String.format("round %d: %s / prometheus: requests/s x%.2f, p50 x%.2f, p95 x%.2f, "
                                        + "p99 x%.2f", round, name, d.rps / prom.rps, d.p50 / prom.p50, d.p95 / prom.p95,
                                d.p99 / prom.p99);
                        report.append('\n').append(ratio).append('\n');
                        log("%s", ratio);
                    }
                }
            }
            report.append('\n');
        }
        report.append("Machine: ").append(nproc()).append(" CPUs; ").append(System.getProperty("java.vm.name"))
                .append(' ').append(System.getProperty("java.runtime.version")).append('\n');
        Files.writeString(dir.resolve("results.md"), report.toString());
        System.out.println("=== RESULT\n" + report);
        if (holdMinutes > 0) {
            log("holding for %d min; endpoints in %s", holdMinutes, dir.resolve("endpoints.txt"));
            Thread.sleep(TimeUnit.MINUTES.toMillis(holdMinutes));
        }
    }

    static String promPath(String asset) {
        return "/api/v1/query?query=" + URLEncoder.encode("{asset=\"", StandardCharsets.UTF_8) + asset
                + URLEncoder.encode("\"}", StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------------ data
    /** The same assets x series as Prometheus text, grouped by metric name. */
    static byte[] exposition() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(assets * series * 64);
        StringBuilder line = new StringBuilder(128);
        for (int m = 0; m < (series + 4) / 5; m++) {
            line.setLength(0);
            line.append("# TYPE ").append(metricName(m * 5)).append(" gauge\n");
            out.writeBytes(line.toString().getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < assets; i++) {
                for (int s = m * 5; s < Math.min(series, m * 5 + 5); s++) {
                    line.setLength(0);
                    line.append(metricName(s)).append("{asset=\"").append(asset(i)).append("\",device=\"")
                            .append(device(s)).append("\"} ").append(value(i, s)).append('\n');
                    out.writeBytes(line.toString().getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
        return out.toByteArray();
    }

    /** Registers every asset in dams.assets, then sends one MetricBatch of all its series to dams.metrics.raw. */
    static void load(Endpoints ep) throws Exception {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(ep.registryUrl()).producerConfig());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long now = System.currentTimeMillis();
        long s0 = System.nanoTime();
        try (KafkaProducer<String, Asset> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < assets; i++) {
                String id = asset(i);
                producer.send(new ProducerRecord<>(Topics.ASSETS.name(), id, Asset.newBuilder()
                        .setAssetId(id).setRegion(REGION).setSite("site-" + (i % 20)).setHostname(id + ".bench")
                        .setKind("server").setTags(Map.of("rack", "r" + (i % 50)))
                        // Long enough that no asset goes DOWN (3 intervals of silence) during the benchmark.
                        .setCollectionIntervalMs(Duration.ofHours(1).toMillis())
                        .setRegisteredAt(now).setUpdatedAt(now).build()));
            }
        }
        log("registered %d assets in %.1f s", assets, (System.nanoTime() - s0) / 1e9);
        long b0 = System.nanoTime();
        try (KafkaProducer<String, MetricBatch> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < assets; i++) {
                String id = asset(i);
                List<Sample> samples = new ArrayList<>(series);
                for (int s = 0; s < series; s++) {
                    samples.add(new Sample(metricName(s), Map.of("device", device(s)), now, value(i, s)));
                }
                producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), id, MetricBatch.newBuilder()
                        .setAssetId(id).setAgentId("bench-agent-" + i).setSeq(1).setRegion(REGION).setSentAt(now)
                        .setReceivedAt(now).setSamples(samples).build()));
            }
        }
        log("sent %d batches (%d samples) in %.1f s", assets, assets * series, (System.nanoTime() - b0) / 1e9);
    }

    /** Until the listing has every asset, seen, and each asset's latest values have every series. */
    static void waitForApi(String api, String auth) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (true) {
            int seen = 0;
            String cursor = null;
            do {
                HttpResponse<byte[]> r = get(api + "/api/v2/assets?limit=1000" + (cursor == null ? "" : "&cursor="
                        + cursor), auth);
                if (r.statusCode() != 200) {
                    break;
                }
                JsonNode page = JSON.readTree(r.body());
                for (JsonNode a : page.get("assets")) {
                    if (a.get("asset_id").asText().startsWith("bench-") && !a.get("last_seen_ms").isNull()
                            && a.get("registered").asBoolean()) {
                        seen++;
                    }
                }
                cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            } while (cursor != null);
            log("listing: %d of %d assets registered and seen", seen, assets);
            if (seen == assets) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the API listed " + seen + " of " + assets + " assets after 15 min");
            }
            Thread.sleep(2000);
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < assets; i++) {
            missing.add(i);
        }
        while (!missing.isEmpty()) {
            ConcurrentLinkedQueue<Integer> incomplete = new ConcurrentLinkedQueue<>();
            Semaphore inFlight = new Semaphore(4);
            for (int i : missing) {
                inFlight.acquire();
                HTTP.sendAsync(request(api + "/api/v2/metrics/" + asset(i), auth), HttpResponse.BodyHandlers.ofByteArray())
                        .whenComplete((r, e) -> {
                            try {
                                if (e != null || r.statusCode() != 200 || JSON.readTree(r.body()).get("series").size() != series) {
                                    incomplete.add(i);
                                }
                            } catch (IOException x) {
                                incomplete.add(i);
                            } finally {
                                inFlight.release();
                            }
                        });
            }
            inFlight.acquire(4);
            log("latest values: %d of %d assets have all %d series", assets - incomplete.size(), assets, series);
            missing = new ArrayList<>(incomplete);
            if (!missing.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(missing.size() + " assets lack series after 15 min");
                }
                Thread.sleep(2000);
            }
        }
    }

    static HttpRequest request(String url, String auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b.build();
    }

    static HttpResponse<byte[]> get(String url, String auth) throws IOException, InterruptedException {
        return HTTP.send(request(url, auth), HttpResponse.BodyHandlers.ofByteArray());
    }

    // ------------------------------------------------------------------------------------------------ prometheus
    /** Prometheus 2.42 from the Debian package, on a free loopback port, its TSDB under the work dir. */
    static final class Prometheus implements AutoCloseable {
        final Process process;
        final String url;

        Prometheus(Process process, String url) {
            this.process = process;
            this.url = url;
        }

        long pid() {
            return process.pid();
        }

        static Prometheus start(int exporterPort) throws Exception {
            Path home = dir.resolve("prometheus");
            Files.createDirectories(home.resolve("data"));
            Path config = home.resolve("prometheus.yml");
            Files.writeString(config, String.join("\n",
                    "global:", "  scrape_interval: " + scrapeInterval, "  scrape_timeout: 10s",
                    "scrape_configs:", "  - job_name: bench", "    static_configs:",
                    "      - targets: ['127.0.0.1:" + exporterPort + "']", ""));
            int port = freePort();
            Process p = new ProcessBuilder("prometheus", "--config.file=" + config,
                    "--storage.tsdb.path=" + home.resolve("data"), "--web.listen-address=127.0.0.1:" + port,
                    "--storage.tsdb.retention.time=1d")
                    .redirectErrorStream(true).redirectOutput(home.resolve("prometheus.log").toFile()).start();
            log("prometheus pid %d on 127.0.0.1:%d, log %s", p.pid(), port, home.resolve("prometheus.log"));
            return new Prometheus(p, "http://127.0.0.1:" + port);
        }

        /** Until every series is in, from at least three scrapes. */
        void awaitSeries(int expected) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            while (true) {
                double series = scalar("count({job=\"bench\",asset!=\"\"})");
                double scrapes = scalar("count_over_time(up{job=\"bench\"}[1h])");
                double ok = scalar("up{job=\"bench\"}");
                log("prometheus: %.0f of %d series, %.0f scrapes, up=%.0f", series, expected, scrapes, ok);
                if (series == expected && scrapes >= 3 && ok == 1) {
                    return;
                }
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IllegalStateException("prometheus did not ingest the series (see its log)");
                }
                Thread.sleep(5000);
            }
        }

        double scalar(String query) throws Exception {
            HttpResponse<byte[]> r = get(url + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8),
                    null);
            if (r.statusCode() != 200) {
                return Double.NaN;
            }
            JsonNode result = JSON.readTree(r.body()).path("data").path("result");
            return result.size() == 0 ? 0 : result.get(0).path("value").get(1).asDouble();
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    // ------------------------------------------------------------------------------------------------------- wrk
    record Target(String name, String base, String template, String authorization) {
    }

    record Wrk(double rps, double p50, double p90, double p95, double p99, double max, long requests, long non2xx,
               String errors, String output) {
    }

    static Wrk wrk(String script, Target target, int seconds) throws Exception {
        List<String> command = List.of("wrk", "-t2", "-c4", "-d" + seconds + "s", "--latency", "-s", script,
                target.base, "--", target.template, Integer.toString(assets), target.authorization);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + out);
        }
        Files.writeString(dir.resolve("wrk-" + target.name + ".txt"), out + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Matcher lat = Pattern.compile("Latency\\s+\\S+\\s+\\S+\\s+(\\S+)").matcher(out);
        double max = lat.find() ? millis(lat.group(1)) : Double.NaN;
        Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
        Matcher total = Pattern.compile("(\\d+) requests in").matcher(out);
        Matcher non2xx = Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
        Matcher errors = Pattern.compile("Socket errors: (.*)").matcher(out);
        Matcher p95 = Pattern.compile("p95_us (\\d+)").matcher(out);
        return new Wrk(rps.find() ? Double.parseDouble(rps.group(1)) : Double.NaN, percentile(out, "50"),
                percentile(out, "90"), p95.find() ? Long.parseLong(p95.group(1)) / 1000.0 : Double.NaN,
                percentile(out, "99"), max, total.find() ? Long.parseLong(total.group(1)) : -1,
                non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, errors.find() ? errors.group(1).strip() : "0", out);
    }

    static double percentile(String out, String p) {
        Matcher m = Pattern.compile("\\s" + p + "%\\s+(\\S+)").matcher(out);
        return m.find() ? millis(m.group(1)) : Double.NaN;
    }

    static double millis(String value) {
        Matcher m = Pattern.compile("([0-9.]+)(us|ms|s|m)").matcher(value);
        if (!m.matches()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "ms" -> v;
            case "s" -> v * 1000;
            default -> v * 60_000;
        };
    }

    // --------------------------------------------------------------------------------------------------- machine
    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
            return 0;
        }
    }

    /** Busy and total jiffies of the whole machine, from /proc/stat. */
    static long[] machineCpu() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
        return new long[]{total - idle, total};
    }

    static String loadAverage() throws IOException {
        String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return f[0] + " " + f[1] + " " + f[2];
    }

    static int nproc() {
        return Runtime.getRuntime().availableProcessors();
    }

    static void jcmd(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("jcmd", Long.toString(ProcessHandle.current().pid())));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        log("jcmd %s: %s", String.join(" ", args), out.strip().replace('\n', ' '));
    }
}
