// Maven-free ingest benchmark harness. Runs with the launcher's classpath as a single-file source program:
//   java -cp 'launcher/target/lib/*:launcher/target/dams.jar' bench/ingest/IngestBench.java <mode> ...
// Modes:
//   setup   DIR AGENTS        start an embedded platform under DIR/platform, issue a CA, a bridge certificate and
//                             AGENTS agent certificates, write DIR/bridge.yaml and DIR/agent.yaml; stays up until killed
//   load    DIR AGENTS WINDOW WARMUP_S MEASURE_S BRIDGE_PID [PLATFORM_PID]
//                             one mutual-TLS gRPC channel and Publish stream per agent identity, batches of 100 samples,
//                             at most WINDOW unacked batches per stream; prints throughput, ack latency, bridge CPU/RSS
//   consume DIR ASSET SECONDS consume dams.metrics.raw and print (now - sent_at) percentiles for ASSET's batches
import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

public class IngestBench {
    static final String TD = "dams.local";
    static final String REGION = "eu-west-1";

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "setup" -> setup(Path.of(a[1]), Integer.parseInt(a[2]));
            case "load" -> load(Path.of(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]), Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]), Long.parseLong(a[6]), a.length > 7 ? Long.parseLong(a[7]) : -1);
            case "consume" -> consume(Path.of(a[1]), a[2], Integer.parseInt(a[3]));
            default -> throw new IllegalArgumentException(a[0]);
        }
    }

    static String asset(int i) {
        return String.format("bench-%04d", i);
    }

    // ---------------------------------------------------------------- setup
    static void setup(Path dir, int agents) throws Exception {
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dir.resolve("platform")),
                System.out::println);
        Endpoints ep = platform.endpoints();
        System.out.printf("platform ready in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, ep);
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.init(certs, TD, Duration.ofDays(30), Clock.systemUTC());
        TlsFiles bridge = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(TD, REGION, "bench"),
                Duration.ofDays(2), List.of("localhost"), List.of("127.0.0.1")), certs.resolve("bridge"));
        long c0 = System.nanoTime();
        for (int i = 0; i < agents; i++) {
            ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(TD, REGION, asset(i)), Duration.ofDays(2)),
                    certs.resolve("agents").resolve(asset(i)));
        }
        System.out.printf("issued %d agent certificates in %.2f s%n", agents, (System.nanoTime() - c0) / 1e9);
        TlsFiles agent = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(TD, REGION, "bench-host"),
                Duration.ofDays(2)), certs.resolve("bench-host"));
        Files.writeString(dir.resolve("bridge.yaml"), String.join("\n",
                "region: " + REGION, "trustDomain: " + TD,
                "listen:", "  host: 127.0.0.1", "  port: 17443",
                "tls:", "  certFile: " + bridge.cert(), "  keyFile: " + bridge.key(), "  caFile: " + bridge.ca(),
                "status:", "  host: 127.0.0.1", "  port: 19095",
                "dataDir: " + dir.resolve("bridge-data"),
                "kafka:", "  bootstrapServers: " + ep.bootstrapServers(), "  registryUrl: " + ep.registryUrl(),
                "  spoolDir: " + dir.resolve("bridge-data/spool"), ""));
        Files.writeString(dir.resolve("agent.yaml"), String.join("\n",
                "assetId: bench-host", "region: " + REGION,
                "bridge:", "  address: localhost:17443", "  sendInterval: 1s",
                "  certFile: " + agent.cert(), "  keyFile: " + agent.key(), "  caFile: " + agent.ca(),
                "buffer:", "  dir: " + dir.resolve("agent-data"),
                "health:", "  host: 127.0.0.1", "  port: 19091",
                // The default plugins.timeout (5s) is refused with a 1s sendInterval.
                "plugins:", "  timeout: 500ms", ""));
        Files.writeString(dir.resolve("endpoints.txt"), ep.bootstrapServers() + " " + ep.registryUrl() + "\n");
        System.out.println("SETUP READY pid=" + ProcessHandle.current().pid());
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        Thread.sleep(Long.MAX_VALUE);
    }

    // ---------------------------------------------------------------- load
    static final LongAdder ackedBatches = new LongAdder();
    static final LongAdder sentBatches = new LongAdder();
    static final LongAdder rejectedSamples = new LongAdder();
    static final LongAdder errors = new LongAdder();
    static volatile boolean recording;
    static volatile boolean running = true;
    // Log-scale histogram of ack latency in microseconds, 2% buckets.
    static final double LOG_BASE = Math.log(1.02);
    static final AtomicLongArray hist = new AtomicLongArray(1200);

    static void recordLatency(long nanos) {
        long us = Math.max(1, nanos / 1000);
        int b = (int) (Math.log(us) / LOG_BASE);
        hist.incrementAndGet(Math.min(b, hist.length() - 1));
    }

    static double percentileMs(AtomicLongArray h, double p) {
        long total = 0;
        for (int i = 0; i < h.length(); i++) total += h.get(i);
        long want = (long) Math.ceil(total * p), seen = 0;
        for (int i = 0; i < h.length(); i++) {
            seen += h.get(i);
            if (seen >= want && total > 0) return Math.pow(1.02, i + 1) / 1000.0;
        }
        return Double.NaN;
    }

    static final java.util.concurrent.ScheduledExecutorService RETRY =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

    static final class Stream implements ClientResponseObserver<Batch, Ack> {
        final Batch template;
        final int window;
        ManagedChannel channel;
        final long[] sentAt = new long[4096];
        long seq = 0;
        int inFlight = 0;
        ClientCallStreamObserver<Batch> out;

        Stream(Batch template, int window) {
            this.template = template;
            this.window = window;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<Batch> requestStream) {
            this.out = requestStream;
        }

        synchronized void fill() {
            while (running && inFlight < window) {
                long s = ++seq;
                long now = System.nanoTime();
                sentAt[(int) (s & 4095)] = now;
                out.onNext(template.toBuilder().setSeq(s).setSentAtMs(System.currentTimeMillis()).build());
                inFlight++;
                sentBatches.increment();
            }
        }

        @Override
        public void onNext(Ack ack) {
            long now = System.nanoTime();
            if (recording) recordLatency(now - sentAt[(int) (ack.getSeq() & 4095)]);
            ackedBatches.increment();
            if (ack.getRejected() > 0) rejectedSamples.add(ack.getRejected());
            synchronized (this) {
                inFlight--;
            }
            fill();
        }

        @Override
        public void onError(Throwable t) {
            errors.increment();
            if (errors.sum() < 5) System.out.println("stream error: " + t);
            // Reopen like an agent would (after 1 s): a refused handshake under load should not lose the stream.
            synchronized (this) {
                inFlight = 0;
            }
            RETRY.schedule(this::open, 1, TimeUnit.SECONDS);
        }

        void open() {
            if (!running) return;
            IngestGrpc.newStub(channel).publish(this);
            fill();
        }

        @Override
        public void onCompleted() {
        }
    }

    static long[] procCpuTicksAndRss(long pid) throws Exception {
        if (pid <= 0) return new long[]{0, 0};
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime (fields 14, 15)
        long rssKb = 0;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) rssKb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        return new long[]{ticks, rssKb};
    }

    static void load(Path dir, int agents, int window, int warmupS, int measureS, long bridgePid, long platformPid)
            throws Exception {
        Path certs = dir.resolve("certs");
        long ts = System.currentTimeMillis();
        List<ManagedChannel> channels = new ArrayList<>();
        List<Stream> streams = new ArrayList<>();
        long c0 = System.nanoTime();
        for (int i = 0; i < agents; i++) {
            TlsFiles f = TlsFiles.in(certs.resolve("agents").resolve(asset(i)));
            SslContext ssl = GrpcSslContexts.forClient().keyManager(f.cert().toFile(), f.key().toFile())
                    .trustManager(f.ca().toFile()).protocols("TLSv1.3").build();
            ManagedChannel ch = NettyChannelBuilder.forTarget("127.0.0.1:17443").sslContext(ssl)
                    .overrideAuthority("localhost").directExecutor().build();
            channels.add(ch);
            Batch.Builder b = Batch.newBuilder().setAssetId(asset(i)).setAgentId("bench-agent").setRegion(REGION);
            for (int s = 0; s < 100; s++) {
                b.addSamples(Sample.newBuilder().setName("bench_metric_" + (s % 10))
                        .addLabels(Label.newBuilder().setName("device").setValue("d" + s))
                        .addLabels(Label.newBuilder().setName("kind").setValue("bench")).setTimestampMs(ts)
                        .setValue(s * 1.5).build());
            }
            Stream st = new Stream(b.build(), window);
            streams.add(st);
        }
        System.out.printf("built %d channels (one SslContext each) in %.2f s; batch = %d bytes%n", agents,
                (System.nanoTime() - c0) / 1e9, streams.get(0).template.getSerializedSize());
        long h0 = System.nanoTime();
        for (int i = 0; i < agents; i++) {
            Stream st = streams.get(i);
            st.channel = channels.get(i);
            st.open();
        }
        System.out.printf("opened %d streams in %.2f s%n", agents, (System.nanoTime() - h0) / 1e9);
        long start = System.nanoTime();
        long lastAck = 0, lastT = start;
        long[] b0 = null, p0 = null, g0 = null;
        long a0 = 0, t0 = 0;
        long rssMax = 0;
        long endAt = start + TimeUnit.SECONDS.toNanos(warmupS + measureS);
        while (System.nanoTime() < endAt) {
            Thread.sleep(5000);
            long now = System.nanoTime();
            long acked = ackedBatches.sum();
            long[] br = procCpuTicksAndRss(bridgePid);
            if (recording) rssMax = Math.max(rssMax, br[1]);
            System.out.printf("t=%5.1fs  %8.0f samples/s  acked=%d sent=%d errors=%d bridgeRSS=%d MiB%n",
                    (now - start) / 1e9, (acked - lastAck) * 100 / ((now - lastT) / 1e9), acked, sentBatches.sum(),
                    errors.sum(), br[1] / 1024);
            lastAck = acked;
            lastT = now;
            if (!recording && now - start >= TimeUnit.SECONDS.toNanos(warmupS)) {
                recording = true;
                a0 = ackedBatches.sum();
                t0 = System.nanoTime();
                b0 = procCpuTicksAndRss(bridgePid);
                p0 = procCpuTicksAndRss(platformPid);
                g0 = procCpuTicksAndRss(ProcessHandle.current().pid());
                System.out.println("--- measuring");
            }
        }
        long a1 = ackedBatches.sum();
        long t1 = System.nanoTime();
        long[] b1 = procCpuTicksAndRss(bridgePid);
        long[] p1 = procCpuTicksAndRss(platformPid);
        long[] g1 = procCpuTicksAndRss(ProcessHandle.current().pid());
        recording = false;
        running = false;
        double secs = (t1 - t0) / 1e9;
        long batches = a1 - a0;
        long samples = batches * 100;
        double hz = 100.0; // USER_HZ
        double bridgeCpu = (b1[0] - b0[0]) / hz, platformCpu = (p1[0] - p0[0]) / hz, genCpu = (g1[0] - g0[0]) / hz;
        System.out.println("=== RESULT");
        System.out.printf("agents=%d window=%d measured=%.1fs batches=%d samples=%d rejectedSamples=%d errors=%d%n",
                agents, window, secs, batches, samples, rejectedSamples.sum(), errors.sum());
        System.out.printf("samples/s=%.0f batches/s=%.0f%n", samples / secs, batches / secs);
        System.out.printf("bridge: cpu=%.2fs (%.2f cores) %.2f us/sample, RSS now=%d MiB max=%d MiB%n", bridgeCpu,
                bridgeCpu / secs, bridgeCpu * 1e6 / samples, b1[1] / 1024, rssMax / 1024);
        System.out.printf("platform(kafka+registry JVM): cpu=%.2fs (%.2f cores)  generator: cpu=%.2fs (%.2f cores)%n",
                platformCpu, platformCpu / secs, genCpu, genCpu / secs);
        System.out.printf("ack latency p50=%.1f ms p90=%.1f ms p99=%.1f ms max~=%.1f ms%n", percentileMs(hist, 0.5),
                percentileMs(hist, 0.9), percentileMs(hist, 0.99), percentileMs(hist, 1.0));
        for (ManagedChannel ch : channels) ch.shutdownNow();
        System.exit(0);
    }

    // ---------------------------------------------------------------- consume
    static void consume(Path dir, String asset, int seconds) throws Exception {
        String[] ep = Files.readString(dir.resolve("endpoints.txt")).trim().split(" ");
        RegistrySerdes serdes = new RegistrySerdes(ep[1]);
        Properties p = new Properties();
        p.put("bootstrap.servers", ep[0]);
        p.put("group.id", "bench-e2e-" + System.nanoTime());
        p.put("auto.offset.reset", "latest");
        p.put("fetch.max.wait.ms", "5");
        p.put("enable.auto.commit", "false");
        List<Long> lat = new ArrayList<>();
        try (KafkaConsumer<String, MetricBatch> c = new KafkaConsumer<>(p, new StringDeserializer(),
                serdes.valueDeserializer(Topics.METRICS_RAW))) {
            c.subscribe(List.of(Topics.METRICS_RAW.name()));
            long end = System.currentTimeMillis() + seconds * 1000L;
            while (System.currentTimeMillis() < end) {
                for (ConsumerRecord<String, MetricBatch> r : c.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    if (asset.equals(r.value().getAssetId())) {
                        lat.add(now - r.value().getSentAt());
                    }
                }
            }
        }
        long[] v = lat.stream().mapToLong(Long::longValue).sorted().toArray();
        if (v.length == 0) {
            System.out.println("no batches seen for " + asset);
            return;
        }
        System.out.printf("e2e sent_at->consumer: n=%d p50=%d ms p90=%d ms p99=%d ms max=%d ms min=%d ms%n", v.length,
                v[(int) (v.length * 0.5)], v[(int) (v.length * 0.9)], v[Math.min(v.length - 1, (int) (v.length * 0.99))],
                v[v.length - 1], v[0]);
    }
}
