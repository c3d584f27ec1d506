package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.agent.Agent;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PortGuard;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's fault test: the bridge, a real {@code dams bridge} child process, is killed with SIGKILL mid-stream and
 * restarted on the same data dir and port while an in-process agent keeps collecting. Nothing the bridge acknowledged
 * is lost; a batch reaches Kafka twice only if it was in flight at the kill.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class BridgeCrashIT {

    static final String DOMAIN = "dams.test";
    static final String REGION = "eu-west-1";
    static final String PROBE = "crash_probe";
    static final long TIMESTAMP = System.currentTimeMillis();

    @TempDir
    Path tmp;

    @Test
    void shouldLoseNothingAckedWhenTheBridgeIsKilledMidStreamAndRestarted(Endpoints platform) throws Exception {
        long started = System.nanoTime();
        String asset = "node-" + UUID.randomUUID().toString().substring(0, 8);
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), tmp.resolve("bridge"));
        TlsFiles agentTls = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, asset),
                Duration.ofDays(1)), tmp.resolve("agent"));
        int bridgePort = PortGuard.freePort("127.0.0.1");
        Path bridgeData = tmp.resolve("bridge-data");
        Path bridgeYaml = writeBridgeYaml(platform, bridgeTls, bridgePort, bridgeData);

        List<MetricBatch> received = new CopyOnWriteArrayList<>();
        List<String> pushed = new CopyOnWriteArrayList<>();
        AtomicInteger pushFailures = new AtomicInteger();
        List<BridgeProcess> bridges = new ArrayList<>();
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "test-pusher"));
        boolean passed = false;
        try (IngestPathIT.Tail tail = IngestPathIT.Tail.start(platform, asset, received);
             Agent agent = Agent.start(TestConfigs.agent(asset, REGION, "localhost:" + bridgePort, agentTls,
                     tmp.resolve("agent-data")), Clock.systemUTC())) {
            HttpClient http = HttpClient.newHttpClient();
            AtomicInteger next = new AtomicInteger();
            BridgeProcess first = BridgeProcess.start(bridgeYaml, tmp, "first");
            bridges.add(first);
            pusher.scheduleAtFixedRate(() -> {
                int n = next.incrementAndGet();
                try {
                    if (push(http, agent, n)) {
                        pushed.add(id(n));
                    } else {
                        pushFailures.incrementAndGet();
                    }
                } catch (Exception e) {
                    pushFailures.incrementAndGet();
                }
            }, 0, 200, TimeUnit.MILLISECONDS);

            // Mid-stream: the first probes are in Kafka, more are being pushed, batched and sent every second.
            await().atMost(Duration.ofSeconds(30)).until(() -> probes(received).size() >= 5);
            // Kill while the agent has a batch sent and not yet acknowledged. To make that certain rather than lucky,
            // the bridge is frozen first (SIGSTOP): the agent's next batch then sits unread in the bridge's socket,
            // sent and never made durable, when the SIGKILL lands.
            first.signal("STOP");
            boolean inFlightAtKill = awaitInFlight(http, agent, Duration.ofSeconds(10));
            int lastPushedBeforeKill = next.get();
            first.process().destroyForcibly();
            assertThat(first.process().waitFor(10, TimeUnit.SECONDS)).as("the bridge died of SIGKILL").isTrue();
            assertThat(first.process().exitValue()).isEqualTo(137);
            assertThat(inFlightAtKill).as("a batch was in flight at the kill").isTrue();
            int pushedAtKill = pushed.size();

            // The bridge is gone: the agent notices and keeps collecting into its outbox.
            await().atMost(Duration.ofSeconds(15)).until(() -> !agent.link().connected());
            await().atMost(Duration.ofSeconds(10)).until(() -> pushed.size() >= pushedAtKill + 15);

            BridgeProcess second = BridgeProcess.start(bridgeYaml, tmp, "second");
            bridges.add(second);
            int pushedAtRestart = pushed.size();
            await().atMost(Duration.ofSeconds(10)).until(() -> pushed.size() >= pushedAtRestart + 10);
            pusher.shutdown();
            assertThat(pusher.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(pushFailures.get()).as("pushes the agent refused").isZero();

            List<String> all = List.copyOf(pushed);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(probes(received).stream().map(s -> s.getLabels().get("id"))
                            .collect(Collectors.toSet())).as("probe ids in Kafka (killed with a batch in flight: %s)",
                            inFlightAtKill).containsAll(all));
            // A moment for any late replay to land, so that duplicates are counted, not missed.
            long seen = received.size();
            await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> received.size() >= seen);
            List<MetricBatch> batches = List.copyOf(received);

            // Nothing lost, and every probe as it was pushed.
            List<Sample> probes = probes(batches);
            assertThat(probes.stream().map(s -> s.getLabels().get("id")).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrderElementsOf(all);
            for (Sample s : probes) {
                int n = number(s.getLabels().get("id"));
                assertThat(s.getValue()).isEqualTo((double) n);
                assertThat(s.getTimestampMs()).isEqualTo(TIMESTAMP + n);
                assertThat(s.getLabels()).containsEntry("source", "crash");
            }

            // Duplicates: only replays of batches in flight at the kill, identical to the first copy.
            Map<Long, List<MetricBatch>> bySeq = batches.stream()
                    .collect(Collectors.groupingBy(MetricBatch::getSeq, TreeMap::new, Collectors.toList()));
            Map<Long, List<MetricBatch>> duplicated = bySeq.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
            long extraCopies = duplicated.values().stream().mapToLong(l -> l.size() - 1).sum();
            Map<String, Long> probeCopies = probes.stream()
                    .collect(Collectors.groupingBy(s -> s.getLabels().get("id"), Collectors.counting()));
            long duplicateProbes = probeCopies.values().stream().filter(c -> c > 1).count();
            System.out.printf("BridgeCrashIT: %d probes pushed (%d before the kill, %d while down, %d after restart),"
                            + " %d batches received, %d batch seqs duplicated (%d extra copies) %s, %d probes duplicated,"
                            + " %.1f s, killed with a batch in flight: %s%n", all.size(), pushedAtKill, pushedAtRestart - pushedAtKill,
                    all.size() - pushedAtRestart, batches.size(), duplicated.size(), extraCopies, duplicated.keySet(),
                    duplicateProbes, (System.nanoTime() - started) / 1e9, inFlightAtKill);
            assertThat(duplicated.size()).as("batches forwarded twice").isLessThanOrEqualTo(64);
            assertThat(duplicated.values()).allSatisfy(copies -> {
                assertThat(copies).allSatisfy(c -> assertThat(c).isEqualTo(copies.get(0)));
                // In flight at the kill: collected before it, so every probe in it was pushed before it.
                assertThat(probes(copies.subList(0, 1))).allSatisfy(s ->
                        assertThat(number(s.getLabels().get("id"))).isLessThanOrEqualTo(lastPushedBeforeKill));
            });
            assertThat(probeCopies.entrySet()).allSatisfy(e -> {
                if (e.getValue() > 1) {
                    assertThat(number(e.getKey())).isLessThanOrEqualTo(lastPushedBeforeKill);
                }
            });
            passed = true;
        } finally {
            pusher.shutdownNow();
            for (BridgeProcess b : bridges) {
                b.kill();
            }
            if (!passed) {
                for (BridgeProcess b : bridges) {
                    b.print();
                }
            }
        }
    }

    private static Path writeBridgeYaml(Endpoints platform, TlsFiles tls, int port, Path dataDir) throws IOException {
        String yaml = String.join("\n",
                "region: " + REGION,
                "trustDomain: " + DOMAIN,
                "listen:",
                "  host: 127.0.0.1",
                "  port: " + port,
                "tls:",
                "  certFile: '" + tls.cert() + "'",
                "  keyFile: '" + tls.key() + "'",
                "  caFile: '" + tls.ca() + "'",
                "  refresh: 1s",
                "status:",
                "  host: 127.0.0.1",
                "  port: 0",
                "dataDir: '" + dataDir + "'",
                "kafka:",
                "  bootstrapServers: '" + platform.bootstrapServers() + "'",
                "  registryUrl: '" + platform.registryUrl() + "'",
                "  spoolDir: '" + dataDir.resolve("spool") + "'",
                "");
        Path file = dataDir.getParent().resolve("bridge.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    /**
     * Spins until the agent's /metrics show more batches sent than acknowledged, i.e. one is at the bridge and not yet
     * durable there; false if that was not seen within {@code atMost} (the kill then still happens mid-stream).
     */
    private static boolean awaitInFlight(HttpClient http, Agent agent, Duration atMost) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.healthPort() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            String metrics = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            if (counter(metrics, "dams_agent_batches_sent_total") > counter(metrics, "dams_agent_batches_acked_total")) {
                return true;
            }
        }
        return false;
    }

    private static double counter(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static String id(int n) {
        return "p_" + n;
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring(id.lastIndexOf('_') + 1));
    }

    /** One probe sample with a unique id, its number as value and a known timestamp; true if the agent took it. */
    private static boolean push(HttpClient http, Agent agent, int n) throws Exception {
        String text = PROBE + "{source=\"crash\",id=\"" + id(n) + "\"} " + n + ' ' + (TIMESTAMP + n) + '\n';
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + agent.healthPort() + "/push"))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200;
    }

    private static List<Sample> probes(List<MetricBatch> batches) {
        return batches.stream().flatMap(b -> b.getSamples().stream()).filter(s -> s.getName().equals(PROBE)).toList();
    }

    /** A {@code dams bridge} child JVM run from the launcher jar; its output goes to a file. */
    private record BridgeProcess(String name, Process process, Path log) {

        static BridgeProcess start(Path config, Path dir, String name) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String jar = System.getProperty("dams.launcher.jar");
            assertThat(jar).as("system property dams.launcher.jar (set by failsafe)").isNotBlank();
            Path log = dir.resolve("bridge-" + name + ".log");
            Process process = new ProcessBuilder(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar,
                    "bridge", "--config", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            BridgeProcess bridge = new BridgeProcess(name, process, log);
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .until(() -> bridge.output().stream().anyMatch(l -> l.contains(" ready on port "))
                                || !process.isAlive());
                assertThat(bridge.output()).as("bridge %s output", name).anyMatch(l -> l.contains(" ready on port "));
            } catch (Throwable t) {
                bridge.kill();
                bridge.print();
                throw t;
            }
            return bridge;
        }

        void signal(String name) throws Exception {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s", name).isTrue();
        }

        List<String> output() throws IOException {
            return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        }

        void kill() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }

        void print() {
            try {
                output().forEach(l -> System.out.println("[bridge " + name + "] " + l));
            } catch (IOException e) {
                System.out.println("[bridge " + name + "] output unreadable: " + e);
            }
        }
    }
}
