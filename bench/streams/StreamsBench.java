// Maven-free throughput harness of the ingest and rollup Streams jobs. Runs with the launcher's classpath as a
// single-file source program:
//   java -cp 'launcher/target/lib/*:launcher/target/dams.jar' bench/streams/StreamsBench.java <mode> ...
// Modes:
//   platform DIR                      start an embedded platform under DIR/platform (Kafka, registry, PostgreSQL) and
//                                     stay up until killed; the other modes attach to it (its endpoints file)
//   produce  DIR ASSETS BATCHES       register ASSETS assets in dams.assets, then append BATCHES batches per asset (100
//                                     samples each, the agent's metric names and labels, one tick every 10 s of event
//                                     time ending now) to dams.metrics.raw, Confluent framing with the registry's id,
//                                     zstd and linger 5 ms as the bridge writes them (record timestamps: now, so
//                                     after the assets', as when agents register before they send)
//   drain    DIR LABEL MODE THREADS WARMUP_S MAX_S [streams.key=value ...]
//                                     start the jobs in this JVM under fresh application ids (bench-ingest-LABEL,
//                                     bench-rollup-LABEL) and measure how fast they drain the backlog of
//                                     dams.metrics.raw: MODE both = ingest and rollup together (rollup starts at the
//                                     end of dams.metrics.samples as it was, so it reads only this run's output);
//                                     MODE split = ingest alone until drained, then rollup alone over its output;
//                                     MODE ingest = ingest alone. Rates are reported from the first record through
//                                     and again after WARMUP_S (JIT warm-up); a phase stops after MAX_S. Extra
//                                     key=value pairs are Kafka Streams properties laid over the job's own (the job
//                                     is then built from its topology here, not through StreamsJob.start); without
//                                     them the job runs exactly as it ships. A drain reads all of dams.metrics.raw,
//                                     sustain runs' batches too (whose agent and seq repeat from run to run, so
//                                     ingest drops them as duplicates): compare drains on the same backlog only.
//   sustain  DIR LABEL SAMPLES_PER_S SECONDS ASSETS THREADS [streams.key=value ...]
//                                     both jobs from the current ends of their input topics plus a generator thread
//                                     offering SAMPLES_PER_S (timestamps now, written from templates so that the
//                                     generator costs little); prints consumer lag every 5 s
//   jfr      FILE.jfr [TOP]           aggregate jdk.ExecutionSample (and non-idle jdk.NativeMethodSample) by top-frame
//                                     package and method, by category (the first of an ordered list of rules that
//                                     matches a frame of the stack) and by thread
// Benchmarks assert nothing: they report.
import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.dams.streams.DeserializationErrors;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.TopicSerdes;
import io.dams.streams.ingest.IngestMetrics;
import io.dams.streams.ingest.IngestSettings;
import io.dams.streams.ingest.IngestTopology;
import io.dams.streams.rollup.RollupSettings;
import io.dams.streams.rollup.RollupTopology;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

public class StreamsBench {

    static final int SAMPLES_PER_BATCH = 100;
    static final long INTERVAL_MS = 10_000;
    static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"};

    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "platform" -> platform(Path.of(a[1]));
            case "produce" -> produce(Path.of(a[1]), Integer.parseInt(a[2]), Integer.parseInt(a[3]));
            case "drain" -> drain(Path.of(a[1]), a[2], a[3], Integer.parseInt(a[4]), Integer.parseInt(a[5]),
                    Integer.parseInt(a[6]), overrides(a, 7));
            case "sustain" -> sustain(Path.of(a[1]), a[2], Long.parseLong(a[3]), Integer.parseInt(a[4]),
                    Integer.parseInt(a[5]), Integer.parseInt(a[6]), overrides(a, 7));
            case "jfr" -> jfr(Path.of(a[1]), a.length > 2 ? Integer.parseInt(a[2]) : 25);
            default -> throw new IllegalArgumentException(a[0]);
        }
    }

    static Map<String, String> overrides(String[] a, int from) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = from; i < a.length; i++) {
            int eq = a[i].indexOf('=');
            o.put(a[i].substring(0, eq), a[i].substring(eq + 1));
        }
        return o;
    }

    // ------------------------------------------------------------------------------------------------ platform

    static void platform(Path dir) throws Exception {
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dir.resolve("platform")),
                System.out::println);
        System.out.printf("platform ready in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, platform.endpoints());
        System.out.println("PLATFORM READY pid=" + ProcessHandle.current().pid());
        Runtime.getRuntime().addShutdownHook(new Thread(platform::close));
        Thread.sleep(Long.MAX_VALUE);
    }

    static Endpoints attach(Path dir) {
        return Endpoints.readRunning(dir.resolve("platform")).orElseThrow(() -> new IllegalStateException(
                "no platform runs on " + dir.resolve("platform") + ": start `StreamsBench platform " + dir + "` first"));
    }

    // ------------------------------------------------------------------------------------------------ load

    /** A fleet of assets whose batches look like the agent's: the same metric names and label names. */
    static final class Fleet {
        final String[] ids;
        final List<String> names = new ArrayList<>();
        final List<Map<String, String>> labels = new ArrayList<>();

        Fleet(int assets) {
            ids = new String[assets];
            for (int i = 0; i < assets; i++) {
                ids[i] = String.format("host-%05d", i);
            }
            for (String n : List.of("cpu_percent", "memory_used_percent", "memory_used_bytes", "memory_total_bytes",
                    "swap_used_percent", "swap_used_bytes", "swap_total_bytes", "uptime_seconds", "process_count")) {
                series(n, Map.of());
            }
            for (int core = 0; core < 16; core++) {
                series("cpu_core_percent", Map.of("core", Integer.toString(core)));
            }
            for (String mount : List.of("/", "/boot", "/var", "/home", "/data", "/var/lib/docker")) {
                for (String n : List.of("disk_used_percent", "disk_used_bytes", "disk_total_bytes")) {
                    series(n, Map.of("mount", mount));
                }
            }
            for (String device : List.of("sda", "sdb", "nvme0n1", "nvme1n1")) {
                series("disk_read_bytes_per_second", Map.of("device", device));
                series("disk_write_bytes_per_second", Map.of("device", device));
            }
            for (String nic : List.of("eth0", "eth1", "lo", "docker0", "bond0", "ens5")) {
                for (String n : List.of("network_receive_bytes_per_second", "network_transmit_bytes_per_second",
                        "network_receive_packets_total", "network_transmit_packets_total",
                        "network_receive_errors_total", "network_transmit_errors_total")) {
                    series(n, Map.of("interface", nic));
                }
            }
            for (int s = 0; names.size() < SAMPLES_PER_BATCH; s++) {
                series("temperature_celsius", Map.of("sensor", s < 12 ? "core" + s : "package" + (s - 12)));
            }
        }

        private void series(String name, Map<String, String> l) {
            names.add(name);
            labels.add(l);
        }

        String region(int asset) {
            return REGIONS[asset % REGIONS.length];
        }

        Asset asset(int i, long now) {
            return Asset.newBuilder().setAssetId(ids[i]).setRegion(region(i)).setSite("site-" + (i % 40))
                    .setHostname(ids[i] + ".dams.example").setKind(i % 10 == 0 ? "vm" : "server").setOs("linux")
                    .setArch("amd64").setTags(Map.of("env", i % 5 == 0 ? "staging" : "prod", "role",
                            i % 3 == 0 ? "db" : "web")).setAgentVersion("0.1.0")
                    .setCollectionIntervalMs(INTERVAL_MS).setRegisteredAt(now).setUpdatedAt(now).build();
        }

        MetricBatch batch(int asset, long seq, long timestampMs, Random random) {
            List<Sample> samples = new ArrayList<>(SAMPLES_PER_BATCH);
            for (int s = 0; s < SAMPLES_PER_BATCH; s++) {
                samples.add(new Sample(names.get(s), labels.get(s), timestampMs,
                        Math.round(random.nextDouble() * 10_000) / 100.0));
            }
            return MetricBatch.newBuilder().setAssetId(ids[asset]).setAgentId("agent-" + ids[asset]).setSeq(seq)
                    .setRegion(region(asset)).setSentAt(timestampMs + 3).setReceivedAt(timestampMs + 15)
                    .setSamples(samples).build();
        }
    }

    /**
     * The load generator's encoder: the registry serializer writes the first batch (registering or finding the
     * schema) and its bytes name the id; later batches are framed with that id by a reused writer, so the generator
     * costs little CPU. Checked once against the registry serializer's own bytes.
     */
    static final class FramedWriter {
        final byte[] frame = new byte[5];
        final SpecificDatumWriter<MetricBatch> writer = new SpecificDatumWriter<>(MetricBatch.getClassSchema());
        BinaryEncoder encoder;

        FramedWriter(Serializer<MetricBatch> registry, String topic, MetricBatch probe) {
            byte[] reference = registry.serialize(topic, probe);
            System.arraycopy(reference, 0, frame, 0, 5);
            if (!Arrays.equals(reference, encode(probe))) {
                throw new IllegalStateException("framed bytes differ from the registry serializer's");
            }
            System.out.println("schema id of " + topic + "-value: " + ByteBuffer.wrap(frame, 1, 4).getInt());
        }

        byte[] encode(MetricBatch batch) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
            out.writeBytes(frame);
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            try {
                writer.write(batch, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return out.toByteArray();
        }
    }

    /**
     * The sustained generator's encoder: the fleet's batches written straight as Avro binary from bytes made once (each
     * series' name and labels, each asset's ids and region), so that offering a million samples a second costs the
     * generator a small part of a core (the record encoder costs about 2 us a sample). Values follow the sequence
     * number; checked once against the registry-framed encoding of the same batch.
     */
    static final class TemplateWriter {
        final byte[] frame;
        final byte[][] series;
        final byte[][] heads;
        final byte[][] regions;

        TemplateWriter(Fleet fleet, FramedWriter reference) {
            frame = reference.frame;
            series = new byte[fleet.names.size()][];
            for (int s = 0; s < series.length; s++) {
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                BinaryEncoder e = EncoderFactory.get().directBinaryEncoder(out, null);
                try {
                    e.writeString(fleet.names.get(s));
                    Map<String, String> l = fleet.labels.get(s);
                    e.writeMapStart();
                    e.setItemCount(l.size());
                    for (Map.Entry<String, String> entry : l.entrySet()) {
                        e.startItem();
                        e.writeString(entry.getKey());
                        e.writeString(entry.getValue());
                    }
                    e.writeMapEnd();
                } catch (IOException x) {
                    throw new IllegalStateException(x);
                }
                series[s] = out.toByteArray();
            }
            heads = new byte[fleet.ids.length][];
            regions = new byte[fleet.ids.length][];
            for (int i = 0; i < heads.length; i++) {
                heads[i] = concat(string(fleet.ids[i]), string("agent-" + fleet.ids[i]));
                regions[i] = string(fleet.region(i));
            }
            MetricBatch probe = fleet.batch(3, 42, 1_700_000_000_123L, new Random(1));
            List<Sample> samples = new ArrayList<>();
            for (int s = 0; s < probe.getSamples().size(); s++) {
                Sample x = probe.getSamples().get(s);
                samples.add(new Sample(x.getName(), x.getLabels(), x.getTimestampMs(), value(42, s)));
            }
            probe.setSamples(samples);
            if (!Arrays.equals(reference.encode(probe), encode(3, 42, 1_700_000_000_123L))) {
                throw new IllegalStateException("template bytes differ from the record encoder's");
            }
        }

        static double value(long seq, int s) {
            return ((seq * 31 + s * 7) % 10_000) / 100.0;
        }

        byte[] encode(int asset, long seq, long timestampMs) {
            ByteBuffer out = ByteBuffer.allocate(8192).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.put(frame).put(heads[asset]);
            varLong(out, seq);
            out.put(regions[asset]);
            varLong(out, timestampMs + 3);
            varLong(out, timestampMs + 15);
            varLong(out, series.length);
            for (int s = 0; s < series.length; s++) {
                out.put(series[s]);
                varLong(out, timestampMs);
                out.putDouble(value(seq, s));
            }
            out.put((byte) 0).put((byte) 0).put((byte) 0); // end of samples, site null, no tags
            return Arrays.copyOf(out.array(), out.position());
        }

        static byte[] string(String s) {
            byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ByteBuffer out = ByteBuffer.allocate(utf8.length + 10);
            varLong(out, utf8.length);
            out.put(utf8);
            return Arrays.copyOf(out.array(), out.position());
        }

        static byte[] concat(byte[] a, byte[] b) {
            byte[] c = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, c, a.length, b.length);
            return c;
        }

        static void varLong(ByteBuffer out, long n) {
            long z = (n << 1) ^ (n >> 63);
            while ((z & ~0x7FL) != 0) {
                out.put((byte) ((z & 0x7F) | 0x80));
                z >>>= 7;
            }
            out.put((byte) z);
        }
    }

    static Map<String, Object> bridgeLikeProducer(Endpoints ep) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // As the bridge's forwarder: several batches per request and compression frame (a 16 KiB producer batch holds
        // three of these records, and each compression frame costs a zstd context).
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    /**
     * The sustained generator's producer: the bridge's, but compressing with {@code -Dbench.compression} (default
     * zstd, as the bridge). On these two cores zstd costs the generator more than half a core at a million samples a
     * second, which the jobs then lack; in production the bridges compress on their own hosts.
     */
    static Map<String, Object> generatorProducer(Endpoints ep) {
        Map<String, Object> p = bridgeLikeProducer(ep);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, System.getProperty("bench.compression", "zstd"));
        System.out.println("generator compression: " + p.get(ProducerConfig.COMPRESSION_TYPE_CONFIG));
        return p;
    }

    static void produce(Path dir, int assets, int batchesPerAsset) throws Exception {
        Endpoints ep = attach(dir);
        RegistrySerdes serdes = new RegistrySerdes(ep.registryUrl());
        Fleet fleet = new Fleet(assets);
        long now = System.currentTimeMillis();
        Map<String, Object> assetConfig = new HashMap<>(serdes.producerConfig());
        assetConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ep.bootstrapServers());
        try (KafkaProducer<String, Asset> producer = new KafkaProducer<>(assetConfig)) {
            for (int i = 0; i < assets; i++) {
                producer.send(new ProducerRecord<>(Topics.ASSETS.name(), fleet.ids[i], fleet.asset(i, now)));
            }
            producer.flush();
        }
        System.out.printf("registered %d assets in dams.assets%n", assets);

        Random random = new Random(42);
        long first = now - (long) batchesPerAsset * INTERVAL_MS;
        FramedWriter writer = new FramedWriter(serdes.valueSerializer(Topics.METRICS_RAW), Topics.METRICS_RAW.name(),
                fleet.batch(0, 0, first, random));
        long bytes = 0;
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(bridgeLikeProducer(ep), new StringSerializer(),
                new ByteArraySerializer())) {
            for (int b = 0; b < batchesPerAsset; b++) {
                long tick = first + b * INTERVAL_MS;
                for (int i = 0; i < assets; i++) {
                    // The agents of a fleet are not in step: spread each tick's batches over the interval.
                    long at = tick + (i * INTERVAL_MS) / assets;
                    byte[] value = writer.encode(fleet.batch(i, b + 1, at, random));
                    bytes += value.length;
                    // The record timestamp is the producer's clock, as the bridge's records have: after the assets'.
                    producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), fleet.ids[i], value));
                }
                if (b % 10 == 9) {
                    System.out.printf("  %d/%d ticks, %.1f s%n", b + 1, batchesPerAsset, (System.nanoTime() - t0) / 1e9);
                }
            }
            producer.flush();
        }
        long n = (long) assets * batchesPerAsset;
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("produced %d batches (%d samples, %.1f MiB of values, %d bytes/batch) in %.1f s%n", n,
                n * SAMPLES_PER_BATCH, bytes / 1048576.0, bytes / n, s);
        try (Admin admin = admin(ep)) {
            System.out.println("dams.metrics.raw now holds " + sum(endOffsets(admin, Topics.METRICS_RAW.name(),
                    IsolationLevel.READ_UNCOMMITTED)) + " records");
        }
    }

    // ------------------------------------------------------------------------------------------------ jobs

    /** One job in this JVM: as it ships (StreamsJob.start), or from its topology with extra Streams properties. */
    static final class RunningJob implements AutoCloseable {
        final String applicationId;
        final KafkaStreams streams;
        final MeterRegistry meters;
        final AutoCloseable closer;

        RunningJob(String applicationId, KafkaStreams streams, MeterRegistry meters, AutoCloseable closer) {
            this.applicationId = applicationId;
            this.streams = streams;
            this.meters = meters;
            this.closer = closer;
        }

        static RunningJob start(JobConfig config, Map<String, String> overrides) {
            if (overrides.isEmpty()) {
                StreamsJob job = StreamsJob.start(config);
                return new RunningJob(config.effectiveApplicationId(), job.streams(), job.meterRegistry(), job);
            }
            // Same settings as StreamsJob.properties, plus the overrides.
            MeterRegistry meters = new SimpleMeterRegistry();
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.effectiveApplicationId());
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
            p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
            p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
            p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
            p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeserializationErrors.class);
            p.put(DeserializationErrors.METER_REGISTRY_CONFIG, meters);
            p.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
            p.putAll(overrides);
            TopicSerdes serdes = TopicSerdes.registry(config.registryUrl());
            Topology topology = config.kind().jobName().equals("ingest")
                    ? IngestTopology.build(config.ingest(), serdes, meters)
                    : RollupTopology.build(config.rollup(), serdes, meters);
            KafkaStreams streams = new KafkaStreams(topology, p);
            streams.start();
            return new RunningJob(config.effectiveApplicationId(), streams, meters,
                    () -> streams.close(Duration.ofSeconds(30)));
        }

        double counter(String name) {
            return meters.find(name).counters().stream().mapToDouble(Counter::count).sum();
        }

        /** Records the stream threads took from their source topics. */
        double processed() {
            double total = 0;
            for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
                if (e.getKey().name().equals("process-total") && e.getKey().group().equals("stream-thread-metrics")) {
                    total += ((Number) e.getValue().metricValue()).doubleValue();
                }
            }
            return total;
        }

        @Override
        public void close() throws Exception {
            closer.close();
        }
    }

    static JobConfig jobConfig(Endpoints ep, String job, String applicationId, Path stateDir, int threads) {
        JobConfig d = JobConfig.defaults();
        return new JobConfig(job, ep.bootstrapServers(), ep.registryUrl(), applicationId, stateDir, threads,
                d.commitInterval(), d.replicationFactor(), new JobConfig.Status("127.0.0.1", 0),
                IngestSettings.defaults().withApplicationServer("127.0.0.1:0"), RollupSettings.defaults());
    }

    static Admin admin(Endpoints ep) {
        return Admin.create(Map.of("bootstrap.servers", ep.bootstrapServers()));
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, String topic, IsolationLevel isolation) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        return admin.listOffsets(request, new ListOffsetsOptions(isolation)).all().get().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    static Map<TopicPartition, Long> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                .forEach((tp, om) -> {
                    if (om != null) {
                        out.put(tp, om.offset());
                    }
                });
        return out;
    }

    static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Records not yet committed by the group: end (or last stable offset) minus committed, over the topic. */
    static long lag(Map<TopicPartition, Long> end, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> start) {
        long lag = 0;
        for (var e : end.entrySet()) {
            long from = committed.getOrDefault(e.getKey(), start.getOrDefault(e.getKey(), 0L));
            lag += Math.max(0, e.getValue() - from);
        }
        return lag;
    }

    /** Bytes in the broker's log per topic (all partitions, all segments). */
    static Map<String, Long> logBytes(Admin admin) throws Exception {
        List<Integer> brokers = admin.describeCluster().nodes().get().stream().map(n -> n.id()).toList();
        Map<String, Long> bytes = new TreeMap<>();
        admin.describeLogDirs(brokers).allDescriptions().get().values().forEach(dirs -> dirs.values().forEach(dir ->
                dir.replicaInfos().forEach((tp, info) -> bytes.merge(tp.topic(), info.size(), Long::sum))));
        return bytes;
    }

    /** What this run wrote to the broker, per topic (internal topics of both jobs summed by store), per sample. */
    static void reportLogBytes(Map<String, Long> before, Map<String, Long> after, double samples, List<String> ids) {
        Map<String, Long> written = new TreeMap<>();
        after.forEach((topic, size) -> {
            long delta = size - before.getOrDefault(topic, 0L);
            if (delta <= 0 || topic.startsWith("__") || topic.startsWith("bench-") && ids.stream()
                    .noneMatch(topic::startsWith)) {
                return;
            }
            String name = topic;
            for (String id : ids) {
                name = name.replace(id + "-", "<" + (id.contains("ingest") ? "ingest" : "rollup") + ">-");
            }
            written.merge(name, delta, Long::sum);
        });
        long total = written.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf("written to the broker's log during the run: %.1f MiB = %.0f bytes/sample (log size growth;"
                + " compaction and retention may have removed some)%n", total / 1048576.0, total / samples);
        written.forEach((t, b) -> System.out.printf("  %-52s %9.1f MiB  %6.1f bytes/sample%n", t, b / 1048576.0,
                b / samples));
    }

    static void startAt(Admin admin, String group, Map<TopicPartition, Long> offsets) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
        admin.alterConsumerGroupOffsets(group, commit).all().get();
    }

    static void requireNew(Admin admin, String group) throws Exception {
        if (admin.listGroups().all().get().stream().anyMatch(g -> g.groupId().equals(group))) {
            throw new IllegalStateException("group " + group + " exists: pick a new LABEL");
        }
    }

    /** Deletes a job's internal topics and group, so that runs do not fill the disk. */
    static void cleanUp(Admin admin, String applicationId) {
        try {
            List<String> internal = admin.listTopics().names().get().stream()
                    .filter(t -> t.startsWith(applicationId + "-")).toList();
            admin.deleteTopics(internal).all().get();
            admin.deleteConsumerGroups(List.of(applicationId)).all().get();
        } catch (Exception e) {
            System.out.println("clean-up of " + applicationId + ": " + e);
        }
    }

    // ------------------------------------------------------------------------------------------------ CPU

    /** CPU seconds of this JVM's threads, grouped; native threads (GC, JIT, RocksDB) from /proc by their name. */
    static final class CpuSnapshot {
        final long nanos = System.nanoTime();
        final double process;
        final double platform;
        final double[] system; // busy, total (jiffies)
        final Map<String, Double> groups = new TreeMap<>();

        CpuSnapshot(long platformPid, List<String> applicationIds) {
            process = procCpu(ProcessHandle.current().pid());
            platform = procCpu(platformPid);
            system = systemJiffies();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (var info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long ns = mx.getThreadCpuTime(info.getThreadId());
                if (ns < 0) {
                    continue;
                }
                String name = info.getThreadName();
                String group = "java: other (harness, admin, JVM service threads)";
                for (String id : applicationIds) {
                    if (name.contains(id)) {
                        String job = id.contains("ingest") ? "ingest" : "rollup";
                        group = name.contains("StreamThread") && !name.contains("producer")
                                && !name.contains("consumer") ? "java: " + job + " stream threads"
                                : "java: " + job + " clients (producer/consumer network, heartbeat)";
                    }
                }
                if (name.startsWith("generator") || name.startsWith("kafka-producer-network-thread | producer-")) {
                    group = "java: load generator (encoding, its producer)";
                }
                groups.merge(group, ns / 1e9, Double::sum);
            }
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : tasks.toList()) {
                    try {
                        String comm = Files.readString(task.resolve("comm")).trim();
                        String group = comm.startsWith("rocksdb") ? "native: rocksdb background"
                                : comm.startsWith("GC Thread") || comm.startsWith("G1 ") || comm.equals("VM Thread")
                                ? "native: GC/VM" : comm.startsWith("C2 Compiler") || comm.startsWith("C1 Compiler")
                                ? "native: JIT" : null;
                        if (group != null) {
                            groups.merge(group, statCpu(Files.readString(task.resolve("stat"))), Double::sum);
                        }
                    } catch (IOException gone) {
                        // thread ended
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static double procCpu(long pid) {
            if (pid <= 0) {
                return 0;
            }
            try {
                return statCpu(Files.readString(Path.of("/proc/" + pid + "/stat")));
            } catch (IOException e) {
                return 0;
            }
        }

        static double statCpu(String stat) {
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, USER_HZ = 100
        }

        static double[] systemJiffies() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                return new double[]{(total - idle) / 100.0, total / 100.0};
            } catch (IOException e) {
                return new double[]{0, 0};
            }
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    static void report(String phase, CpuSnapshot c0, CpuSnapshot c1, double batches, double seconds) {
        double samples = batches * SAMPLES_PER_BATCH;
        double jobs = c1.process - c0.process;
        double platform = c1.platform - c0.platform;
        double busy = c1.system[0] - c0.system[0];
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("%s: jobs JVM CPU %.1f s (%.2f cores) = %.2f us/sample; platform JVM (Kafka) %.1f s (%.2f"
                        + " cores) = %.2f us/sample; jobs+platform %.2f us/sample%n", phase, jobs, jobs / seconds,
                jobs * 1e6 / samples, platform, platform / seconds, platform * 1e6 / samples,
                (jobs + platform) * 1e6 / samples);
        System.out.printf("%s: machine busy %.2f of %d cores; other processes %.2f cores%n", phase, busy / seconds,
                cores, Math.max(0, busy - jobs - platform) / seconds);
        for (String g : c1.groups.keySet()) {
            double d = c1.groups.get(g) - c0.groups.getOrDefault(g, 0.0);
            if (d > 0.05) {
                System.out.printf("%s:   %-62s %7.1f s  %5.1f %%  %.2f us/sample%n", phase, g, d, 100 * d / jobs,
                        d * 1e6 / samples);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ drain

    static void drain(Path dir, String label, String mode, int threads, int warmupSeconds, int maxSeconds,
                      Map<String, String> overrides) throws Exception {
        Endpoints ep = attach(dir);
        String ingestId = "bench-ingest-" + label;
        String rollupId = "bench-rollup-" + label;
        Path state = dir.resolve("state-" + label);
        System.out.println("pid=" + ProcessHandle.current().pid() + " loadavg before: " + loadAverage());
        System.out.println("overrides: " + (overrides.isEmpty() ? "none (StreamsJob.start, as shipped)" : overrides));
        try (Admin admin = admin(ep)) {
            requireNew(admin, ingestId);
            requireNew(admin, rollupId);
            Map<TopicPartition, Long> rawEnd = endOffsets(admin, Topics.METRICS_RAW.name(), IsolationLevel.READ_UNCOMMITTED);
            Map<TopicPartition, Long> samplesStart = endOffsets(admin, Topics.METRICS_SAMPLES.name(),
                    IsolationLevel.READ_UNCOMMITTED);
            long backlog = sum(rawEnd);
            System.out.printf("backlog: %d batches in dams.metrics.raw (%d samples)%n", backlog, backlog * SAMPLES_PER_BATCH);
            startAt(admin, rollupId, samplesStart);
            List<String> ids = List.of(ingestId, rollupId);
            JobConfig ingestConfig = jobConfig(ep, "ingest", ingestId, state, threads);
            JobConfig rollupConfig = jobConfig(ep, "rollup", rollupId, state, threads);
            Map<String, Long> bytesBefore = logBytes(admin);
            long t0 = System.nanoTime();
            if (mode.equals("both")) {
                try (RunningJob ingest = RunningJob.start(ingestConfig, overrides);
                     RunningJob rollup = RunningJob.start(rollupConfig, overrides)) {
                    Progress p = watch(admin, ep, ids, ingest, rollup, rawEnd, samplesStart, backlog, t0,
                            warmupSeconds, maxSeconds);
                    System.out.println("=== RESULT " + label + ": ingest and rollup together, " + threads
                            + " stream thread(s) each");
                    p.report("ingest+rollup", ep);
                    System.out.printf("rollup windows emitted %.0f, late samples %.0f; ingest batches by result: %s%n",
                            rollup.counter("dams.rollup.windows"), rollup.counter("dams.rollup.late.samples"),
                            byResult(ingest.meters));
                    reportLogBytes(bytesBefore, logBytes(admin), p.end.ingest * SAMPLES_PER_BATCH, ids);
                }
            } else {
                double forwarded;
                try (RunningJob ingest = RunningJob.start(ingestConfig, overrides)) {
                    Progress p = watch(admin, ep, ids, ingest, null, rawEnd, samplesStart, backlog, t0, warmupSeconds,
                            maxSeconds);
                    forwarded = ingestForwarded(ingest.meters);
                    System.out.println("=== RESULT " + label + ": ingest alone, " + threads + " stream thread(s)");
                    p.report("ingest", ep);
                    System.out.println("ingest batches by result: " + byResult(ingest.meters));
                }
                if (mode.equals("split")) {
                    long t1 = System.nanoTime();
                    try (RunningJob rollup = RunningJob.start(rollupConfig, overrides)) {
                        Progress p = watch(admin, ep, ids, null, rollup, rawEnd, samplesStart, (long) forwarded, t1,
                                warmupSeconds, maxSeconds);
                        System.out.println("=== RESULT " + label + ": rollup alone, " + threads + " stream thread(s)");
                        p.report("rollup", ep);
                        System.out.printf("rollup windows emitted %.0f, late samples %.0f%n",
                                rollup.counter("dams.rollup.windows"), rollup.counter("dams.rollup.late.samples"));
                    }
                }
            }
            System.out.println("whole run incl. start-up: " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
            cleanUp(admin, ingestId);
            cleanUp(admin, rollupId);
        }
        deleteTree(state);
        System.out.println("loadavg after: " + loadAverage());
        System.exit(0);
    }

    /** A point of a run: when, how many batches each job had taken, and the CPU counters. */
    record Mark(double t, double ingest, double rollup, CpuSnapshot cpu) {
    }

    static final class Progress {
        Mark first;
        Mark warm;
        Mark end;
        double ingestDoneAt = Double.NaN;
        boolean drained;
        boolean ingestRuns;
        boolean rollupRuns;
        long maxRawLag;
        long maxSamplesLag;
        final List<String> lagSeries = new ArrayList<>();

        void report(String what, Endpoints ep) {
            System.out.printf("start-up (start() to the first record through): %.1f s; backlog %s after %.1f s%s%n",
                    first.t, drained ? "drained" : "NOT drained", end.t,
                    ingestRuns && rollupRuns ? String.format(" (ingest done at %.1f s)", ingestDoneAt) : "");
            System.out.printf("max lag: dams.metrics.raw %d records, dams.metrics.samples %d records%n", maxRawLag,
                    maxSamplesLag);
            System.out.println("lag every 10 s (t: raw/samples): " + String.join(" ", lagSeries));
            window(what + " whole (first record to end)", first, end);
            if (warm != null && end.t - warm.t >= 5) {
                window(what + " steady (after warm-up)", warm, end);
            } else {
                System.out.println("(no steady window: the run ended within the warm-up)");
            }
        }

        void window(String name, Mark from, Mark to) {
            double secs = to.t - from.t;
            double in = to.ingest - from.ingest;
            double ro = to.rollup - from.rollup;
            if (ingestRuns) {
                System.out.printf("%s: ingest %.0f batches in %.1f s = %.0f records/s, %.0f samples/s%n", name, in,
                        secs, in / secs, in * SAMPLES_PER_BATCH / secs);
            }
            if (rollupRuns) {
                System.out.printf("%s: rollup %.0f batches in %.1f s = %.0f records/s, %.0f samples/s%n", name, ro,
                        secs, ro / secs, ro * SAMPLES_PER_BATCH / secs);
            }
            StreamsBench.report(name, from.cpu, to.cpu, ingestRuns ? in : ro, secs);
        }
    }

    static double ingestForwarded(MeterRegistry meters) {
        double n = 0;
        for (Counter c : meters.find(IngestMetrics.BATCHES).counters()) {
            String result = c.getId().getTag("result");
            if (result.startsWith("enriched") || result.equals("unenriched")) {
                n += c.count();
            }
        }
        return n;
    }

    static String byResult(MeterRegistry meters) {
        Map<String, Long> out = new TreeMap<>();
        for (Counter c : meters.find(IngestMetrics.BATCHES).counters()) {
            if (c.count() > 0) {
                out.put(c.getId().getTag("result"), (long) c.count());
            }
        }
        return out.toString();
    }

    /**
     * Polls once a second until ingest has taken the whole backlog (when it runs) and rollup has taken all that
     * ingest forwarded (when it runs), or until maxSeconds. Marks the first record through (start-up ends), the end of
     * the warm-up (JIT) and the end, each with CPU counters.
     */
    static Progress watch(Admin admin, Endpoints ep, List<String> ids, RunningJob ingest, RunningJob rollup,
                          Map<TopicPartition, Long> rawEnd, Map<TopicPartition, Long> samplesStart, long expected,
                          long t0, int warmupSeconds, int maxSeconds) throws Exception {
        Progress p = new Progress();
        p.ingestRuns = ingest != null;
        p.rollupRuns = rollup != null;
        long deadline = t0 + TimeUnit.SECONDS.toNanos(maxSeconds);
        double lastIngest = 0;
        double lastRollup = 0;
        double lastT = 0;
        while (true) {
            Thread.sleep(1000);
            double t = (System.nanoTime() - t0) / 1e9;
            double in = ingest == null ? 0 : ingest.counter(IngestMetrics.BATCHES);
            double forwarded = ingest == null ? expected : ingestForwarded(ingest.meters);
            double ro = rollup == null ? 0 : rollup.processed();
            if (p.first == null && (in > 0 || ro > 0)) {
                p.first = new Mark(t, in, ro, new CpuSnapshot(ep.pid(), ids));
            }
            if (p.first != null && p.warm == null && t - p.first.t >= warmupSeconds) {
                p.warm = new Mark(t, in, ro, new CpuSnapshot(ep.pid(), ids));
                System.out.println("--- warm-up over");
            }
            long rawLag = ingest == null ? 0 : lag(rawEnd, committed(admin, ingest.applicationId), Map.of());
            long samplesLag = rollup == null ? 0 : lag(endOffsets(admin, Topics.METRICS_SAMPLES.name(),
                    IsolationLevel.READ_COMMITTED), committed(admin, rollup.applicationId), samplesStart);
            p.maxRawLag = Math.max(p.maxRawLag, rawLag);
            p.maxSamplesLag = Math.max(p.maxSamplesLag, samplesLag);
            if (p.first != null && ((int) (t - p.first.t)) / 10 > p.lagSeries.size() - 1) {
                p.lagSeries.add(String.format("%.0f:%d/%d", t, rawLag, samplesLag));
            }
            double dt = t - lastT;
            System.out.printf("t=%5.1fs ingest %9.0f batches (%7.0f/s) lag(raw)=%8d | rollup %9.0f batches (%7.0f/s)"
                            + " lag(samples)=%8d | %s%n", t, in, dt > 0 ? (in - lastIngest) / dt : 0, rawLag, ro,
                    dt > 0 ? (ro - lastRollup) / dt : 0, samplesLag, states(ingest, rollup));
            lastIngest = in;
            lastRollup = ro;
            lastT = t;
            boolean ingestDone = ingest == null || in >= expected;
            if (ingestDone && Double.isNaN(p.ingestDoneAt)) {
                p.ingestDoneAt = t;
            }
            boolean rollupDone = rollup == null || (ingestDone && ro >= forwarded);
            if (ingestDone && rollupDone) {
                p.drained = true;
                p.end = new Mark(t, in, ro, new CpuSnapshot(ep.pid(), ids));
                break;
            }
            if (System.nanoTime() > deadline) {
                System.out.println("stopped after " + maxSeconds + " s: backlog NOT drained");
                p.end = new Mark(t, in, ro, new CpuSnapshot(ep.pid(), ids));
                break;
            }
            if (failed(ingest) || failed(rollup)) {
                throw new IllegalStateException("a job stopped: " + states(ingest, rollup));
            }
        }
        if (p.first == null) {
            p.first = p.end;
        }
        return p;
    }

    static boolean failed(RunningJob job) {
        return job != null && (job.streams.state() == KafkaStreams.State.ERROR
                || job.streams.state() == KafkaStreams.State.NOT_RUNNING);
    }

    static String states(RunningJob ingest, RunningJob rollup) {
        return (ingest == null ? "" : "ingest " + ingest.streams.state() + " ")
                + (rollup == null ? "" : "rollup " + rollup.streams.state());
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ sustain

    static void sustain(Path dir, String label, long samplesPerSecond, int seconds, int assets, int threads,
                        Map<String, String> overrides) throws Exception {
        Endpoints ep = attach(dir);
        String ingestId = "bench-ingest-" + label;
        String rollupId = "bench-rollup-" + label;
        Path state = dir.resolve("state-" + label);
        System.out.println("pid=" + ProcessHandle.current().pid() + " loadavg before: " + loadAverage());
        System.out.println("overrides: " + (overrides.isEmpty() ? "none (StreamsJob.start, as shipped)" : overrides));
        RegistrySerdes serdes = new RegistrySerdes(ep.registryUrl());
        Fleet fleet = new Fleet(assets);
        try (Admin admin = admin(ep)) {
            requireNew(admin, ingestId);
            requireNew(admin, rollupId);
            Map<TopicPartition, Long> rawStart = endOffsets(admin, Topics.METRICS_RAW.name(), IsolationLevel.READ_UNCOMMITTED);
            Map<TopicPartition, Long> samplesStart = endOffsets(admin, Topics.METRICS_SAMPLES.name(),
                    IsolationLevel.READ_UNCOMMITTED);
            startAt(admin, ingestId, rawStart);
            startAt(admin, rollupId, samplesStart);
            List<String> ids = List.of(ingestId, rollupId);
            Random random = new Random(7);
            FramedWriter writer = new FramedWriter(serdes.valueSerializer(Topics.METRICS_RAW), Topics.METRICS_RAW.name(),
                    fleet.batch(0, 0, System.currentTimeMillis(), random));
            TemplateWriter template = new TemplateWriter(fleet, writer);
            AtomicLong offered = new AtomicLong();
            java.util.concurrent.CountDownLatch measured = new java.util.concurrent.CountDownLatch(1);
            long[] seq = new long[assets];
            try (RunningJob ingest = RunningJob.start(jobConfig(ep, "ingest", ingestId, state, threads), overrides);
                 RunningJob rollup = RunningJob.start(jobConfig(ep, "rollup", rollupId, state, threads), overrides);
                 KafkaProducer<String, byte[]> producer = new KafkaProducer<>(generatorProducer(ep),
                         new StringSerializer(), new ByteArraySerializer())) {
                long w0 = System.nanoTime();
                while (ingest.streams.state() != KafkaStreams.State.RUNNING
                        || rollup.streams.state() != KafkaStreams.State.RUNNING) {
                    Thread.sleep(100);
                }
                System.out.printf("both jobs RUNNING after %.1f s; offering %d samples/s (%d batches/s) from %d"
                        + " assets for %d s%n", (System.nanoTime() - w0) / 1e9, samplesPerSecond,
                        samplesPerSecond / SAMPLES_PER_BATCH, assets, seconds);
                double batchesPerSecond = samplesPerSecond / (double) SAMPLES_PER_BATCH;
                long g0 = System.nanoTime();
                long gEnd = g0 + TimeUnit.SECONDS.toNanos(seconds);
                Thread generator = new Thread(() -> {
                    int next = 0;
                    long sent = 0;
                    while (System.nanoTime() < gEnd) {
                        long due = (long) ((System.nanoTime() - g0) / 1e9 * batchesPerSecond);
                        if (sent >= due) {
                            try {
                                Thread.sleep(2);
                            } catch (InterruptedException e) {
                                return;
                            }
                            continue;
                        }
                        long now = System.currentTimeMillis();
                        for (; sent < due; sent++) {
                            int i = next;
                            next = (next + 1) % assets;
                            byte[] value = template.encode(i, ++seq[i], now);
                            producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), null, now, fleet.ids[i],
                                    value));
                        }
                        offered.set(sent);
                    }
                    // Stay alive until the last CPU reading, so that the generator's CPU is counted apart.
                    try {
                        measured.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "generator");
                CpuSnapshot c0 = new CpuSnapshot(ep.pid(), ids);
                generator.start();
                long maxRaw = 0;
                long maxSamples = 0;
                List<long[]> lags = new ArrayList<>();
                double lastIn = 0;
                double lastRo = 0;
                double lastT = 0;
                while (System.nanoTime() < gEnd) {
                    Thread.sleep(5000);
                    double t = (System.nanoTime() - g0) / 1e9;
                    long rawLag = lag(endOffsets(admin, Topics.METRICS_RAW.name(), IsolationLevel.READ_UNCOMMITTED),
                            committed(admin, ingestId), rawStart);
                    long samplesLag = lag(endOffsets(admin, Topics.METRICS_SAMPLES.name(), IsolationLevel.READ_COMMITTED),
                            committed(admin, rollupId), samplesStart);
                    double in = ingest.counter(IngestMetrics.BATCHES);
                    double ro = rollup.processed();
                    maxRaw = Math.max(maxRaw, rawLag);
                    maxSamples = Math.max(maxSamples, samplesLag);
                    lags.add(new long[]{(long) t, rawLag, samplesLag});
                    System.out.printf("t=%5.1fs offered %8d batches | ingest %8.0f (%6.0f/s) lag(raw)=%7d | rollup %8.0f"
                                    + " (%6.0f/s) lag(samples)=%7d | %s%n", t, offered.get(), in,
                            (in - lastIn) / (t - lastT), rawLag, ro, (ro - lastRo) / (t - lastT), samplesLag,
                            states(ingest, rollup));
                    lastIn = in;
                    lastRo = ro;
                    lastT = t;
                    if (failed(ingest) || failed(rollup)) {
                        throw new IllegalStateException("a job stopped: " + states(ingest, rollup));
                    }
                }
                producer.flush();
                CpuSnapshot c1 = new CpuSnapshot(ep.pid(), ids);
                measured.countDown();
                double secs = (System.nanoTime() - g0) / 1e9;
                long n = offered.get();
                System.out.println("=== RESULT " + label + " sustained, " + threads + " thread(s) each");
                System.out.printf("offered %d batches = %.0f samples/s (asked %d) over %.1f s%n", n,
                        n * SAMPLES_PER_BATCH / secs, samplesPerSecond, secs);
                double in = ingest.counter(IngestMetrics.BATCHES);
                System.out.printf("ingest took %.0f batches = %.0f samples/s; rollup %.0f batches%n", in,
                        in * SAMPLES_PER_BATCH / secs, rollup.processed());
                report("sustained (CPU incl. generator)", c0, c1, in, secs);
                int half = lags.size() / 2;
                long[] mid = lags.get(Math.max(0, half - 1));
                long[] last = lags.get(lags.size() - 1);
                System.out.printf("lag: raw max %d, at half-time %d, at end %d; samples max %d, at half-time %d, at end"
                                + " %d (records)%n", maxRaw, mid[1], last[1], maxSamples, mid[2], last[2]);
                System.out.printf("lag growth over the second half: raw %.0f records/s, samples %.0f records/s%n",
                        (last[1] - mid[1]) / (double) Math.max(1, last[0] - mid[0]),
                        (last[2] - mid[2]) / (double) Math.max(1, last[0] - mid[0]));
                System.out.printf("ingest batches by result: %s; rollup late samples %.0f%n", byResult(ingest.meters),
                        rollup.counter("dams.rollup.late.samples"));
            }
            cleanUp(admin, ingestId);
            cleanUp(admin, rollupId);
        }
        deleteTree(state);
        System.out.println("loadavg after: " + loadAverage());
        System.exit(0);
    }

    // ------------------------------------------------------------------------------------------------ jfr

    /**
     * Where a CPU sample goes: the first rule, in this order, that matches any frame of its stack. So Avro code under
     * a serializer counts as that serializer, and a store's RocksDB call under a processor counts as RocksDB.
     */
    static final List<String[]> CATEGORIES = List.of(
            new String[]{"io.dams.schemas.serde.", "DAMS framed Avro serde (encode/decode)"},
            new String[]{"io.apicurio.", "Apicurio serde (schema derivation, Jackson, Avro encode/decode)"},
            new String[]{"io.dams.streams.state.", "DAMS state serde (store values)"},
            new String[]{"$Serde", "DAMS state serde (store values)"},
            new String[]{"com.github.luben.zstd", "compression (zstd/lz4)"},
            new String[]{"net.jpountz", "compression (zstd/lz4)"},
            new String[]{"org.apache.kafka.common.compress", "compression (zstd/lz4)"},
            new String[]{"org.rocksdb.", "RocksDB (JNI)"},
            new String[]{"io.micrometer.", "Micrometer (counters, Kafka metrics binder)"},
            new String[]{"org.apache.avro.", "Avro outside a serde (record builders' deep copies, getters)"},
            new String[]{"org.apache.kafka.clients.producer.", "Kafka producer (send, accumulate, network)"},
            new String[]{"org.apache.kafka.streams.state.internals.", "Streams store layers (cache, changelog, metered)"},
            new String[]{"org.apache.kafka.clients.consumer.", "Kafka consumer (fetch, decode)"},
            new String[]{"org.apache.kafka.common.record.", "Kafka record batches (CRC, iterate)"},
            new String[]{"io.dams.streams.", "DAMS processors' own code (dedupe, validate, enrich, latest, windows)"},
            new String[]{"org.apache.kafka.streams.", "Streams runtime (tasks, record queues, punctuation, commit)"},
            new String[]{"org.apache.kafka.", "Kafka clients other (network, admin, metrics)"});

    static final List<String> IDLE_NATIVE = List.of("EPoll.wait", "Net.poll", "Net.accept", "SocketDispatcher.read",
            "Object.wait", "Unsafe.park", "Thread.sleep", "waitForProcessExit", "FileDispatcherImpl.read",
            "Net.connect", "NioSocketImpl");

    static void jfr(Path file, int top) throws IOException {
        Map<String, Long> byPackage = new HashMap<>();
        Map<String, Long> byCategory = new HashMap<>();
        Map<String, Long> byThread = new HashMap<>();
        Map<String, Long> byMethod = new HashMap<>();
        Map<String, Long> nativeTop = new HashMap<>();
        Map<String, Map<String, Long>> byCategoryMethod = new HashMap<>();
        long total = 0;
        long natives = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            String type = e.getEventType().getName();
            boolean java = type.equals("jdk.ExecutionSample");
            if (!java && !type.equals("jdk.NativeMethodSample")) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (st == null || st.getFrames().isEmpty()) {
                continue;
            }
            List<RecordedFrame> frames = st.getFrames();
            RecordedFrame f0 = frames.get(0);
            String topMethod = f0.getMethod().getType().getName() + "." + f0.getMethod().getName();
            if (!java) {
                String shortName = topMethod.substring(topMethod.lastIndexOf('.', topMethod.lastIndexOf('.') - 1) + 1);
                if (IDLE_NATIVE.stream().anyMatch(shortName::contains)) {
                    continue;
                }
                natives++;
                nativeTop.merge(topMethod, 1L, Long::sum);
                continue;
            }
            total++;
            String cls = f0.getMethod().getType().getName();
            String pkg = cls.contains(".") ? cls.substring(0, cls.lastIndexOf('.')) : cls;
            byPackage.merge(pkg, 1L, Long::sum);
            byMethod.merge(topMethod, 1L, Long::sum);
            String category = "other (JDK collections/strings/GC barriers outside the rules)";
            outer:
            for (String[] rule : CATEGORIES) {
                for (RecordedFrame f : frames) {
                    String c = f.getMethod().getType().getName();
                    if (rule[0].startsWith("$") ? c.endsWith(rule[0]) : c.startsWith(rule[0])) {
                        category = rule[1];
                        break outer;
                    }
                }
            }
            byCategory.merge(category, 1L, Long::sum);
            byCategoryMethod.computeIfAbsent(category, k -> new HashMap<>()).merge(topMethod, 1L, Long::sum);
            String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
            thread = thread == null ? "?" : thread.replaceAll("-[0-9a-f]{8}-[0-9a-f-]{27}", "")
                    .replaceAll("\\d+$", "N");
            byThread.merge(thread, 1L, Long::sum);
        }
        System.out.println("jdk.ExecutionSample events: " + total + "; non-idle jdk.NativeMethodSample: " + natives);
        print("by category (first rule matching any frame)", byCategory, total, top);
        print("by thread", byThread, total, top);
        print("by top-frame package", byPackage, total, top);
        print("by top-frame method", byMethod, total, top);
        print("native (non-idle) top frames", nativeTop, natives, top);
        long finalTotal = total;
        byCategory.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(4)
                .forEach(c -> print("top frames within: " + c.getKey(), byCategoryMethod.get(c.getKey()), finalTotal, 8));
    }

    static void print(String title, Map<String, Long> counts, long total, int top) {
        System.out.println("--- " + title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(e -> System.out.printf("%6.1f %%  %6d  %s%n", 100.0 * e.getValue() / total, e.getValue(),
                        e.getKey()));
    }
}
