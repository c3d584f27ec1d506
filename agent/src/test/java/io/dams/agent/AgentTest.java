package io.dams.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dams.agent.collect.CollectedSample;
import io.dams.agent.collect.Collector;
import io.dams.agent.config.AgentConfig;
import io.dams.runtime.queue.DiskQueue;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    private TlsFiles tls;

    @BeforeEach
    void issueCertificate() {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "dams.test", Duration.ofDays(1),
                Clock.systemUTC());
        tls = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset("dams.test", "eu-west-1", "host-1"),
                Duration.ofHours(1)), dir.resolve("agent"));
    }

    @Test
    void shouldAnswerStartingUntilEveryPartIsUpThenOk() throws Exception {
        int port = freePort();
        CountDownLatch hostReadable = new CountDownLatch(1);
        CompletableFuture<Agent> starting = CompletableFuture.supplyAsync(() -> Agent.start(config(port, tls),
                Clock.systemUTC(), () -> {
                    awaitUninterruptibly(hostReadable);
                    return new OneSample();
                }));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> health = get(port, "/healthz");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).isEqualTo("{\"status\":\"starting\"}");
        });
        assertThat(starting).isNotDone();

        hostReadable.countDown();
        try (Agent agent = starting.get(20, TimeUnit.SECONDS)) {
            HttpResponse<String> health = get(port, "/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"", "\"asset_id\":\"host-1\"");
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertThat(get(port, "/metrics").body()).contains("test_sample 1.0"));
        }
        assertThatThrownBy(() -> get(port, "/healthz")).isInstanceOf(IOException.class);
    }

    @Test
    void shouldFailBeforeOpeningTheOutboxWhenTheHealthPortIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket(0)) {
            AgentConfig config = config(taken.getLocalPort(), tls);

            assertThatThrownBy(() -> Agent.start(config, Clock.systemUTC(), OneSample::new))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("port " + taken.getLocalPort());
            assertThat(config.buffer().dir()).doesNotExist();
        }
    }

    @Test
    void shouldStopWhatStartedWhenAPartFailsToStart() throws IOException {
        int port = freePort();
        TlsFiles withoutKey = new TlsFiles(tls.cert(), dir.resolve("absent-key.pem"), tls.ca());
        OneSample host = new OneSample();

        assertThatThrownBy(() -> Agent.start(config(port, withoutKey), Clock.systemUTC(), () -> host))
                .hasMessageContaining("absent-key.pem");

        await().atMost(Duration.ofSeconds(10)).untilTrue(host.closed);
        assertThatThrownBy(() -> get(port, "/healthz")).isInstanceOf(IOException.class);
        try (ServerSocket again = new ServerSocket(port)) {
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void shouldReportAHostCollectorThatCannotBeBuiltInOneLine() throws IOException {
        int port = freePort();

        assertThatThrownBy(() -> Agent.start(config(port, tls), Clock.systemUTC(), () -> {
            throw new UnsatisfiedLinkError("libjnidispatch.so: failed to map segment from shared object");
        })).isInstanceOf(IllegalStateException.class)
                .hasMessage("cannot read this host's metrics: java.lang.UnsatisfiedLinkError: libjnidispatch.so:"
                        + " failed to map segment from shared object");
    }

    @Test
    void shouldLetTheCollectionInProgressFinishAndStoreItsBatchWhenClosed() throws Exception {
        int port = freePort();
        BlockingCollector host = new BlockingCollector();
        AgentConfig config = config(port, tls);
        Agent agent = Agent.start(config, Clock.systemUTC(), () -> host);
        assertThat(host.collecting.await(20, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(agent::close);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> !closing.isDone() && !host.interrupted.get());
        host.release.countDown();
        closing.get(20, TimeUnit.SECONDS);

        assertThat(host.interrupted).isFalse();
        try (DiskQueue outbox = DiskQueue.open(config.buffer().dir().resolve("outbox.mv"),
                config.buffer().capacity())) {
            assertThat(outbox.size()).isEqualTo(1);
        }
    }

    private AgentConfig config(int healthPort, TlsFiles files) {
        AgentConfig d = AgentConfig.defaults();
        // Nothing listens on port 1: the link keeps retrying, which is all these tests need of it.
        return new AgentConfig("host-1", "eu-west-1", null, null, null, Map.of(), "server",
                new AgentConfig.Bridge("127.0.0.1:1", Duration.ofSeconds(1), Duration.ofSeconds(5), files.cert(),
                        files.key(), files.ca()),
                new AgentConfig.Buffer(dir.resolve("buffer"), d.buffer().capacity()),
                new AgentConfig.Backoff(Duration.ofSeconds(5), Duration.ofSeconds(10), 0.2),
                new AgentConfig.Health("127.0.0.1", healthPort, d.health().pushCapacity()),
                d.plugins());
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A collector whose first collection waits until released, and records whether it was interrupted. */
    private static final class BlockingCollector implements Collector {

        final CountDownLatch collecting = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();

        @Override
        public String name() {
            return "blocking";
        }

        @Override
        public void collect(long timestampMs, Consumer<CollectedSample> sink) {
            collecting.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
                Thread.currentThread().interrupt();
            }
            sink.accept(CollectedSample.of("blocking_sample", timestampMs, 1));
        }
    }

    /** A collector with one series, which records that it was closed. */
    private static final class OneSample implements Collector {

        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public String name() {
            return "test";
        }

        @Override
        public void collect(long timestampMs, Consumer<CollectedSample> sink) {
            sink.accept(CollectedSample.of("test_sample", timestampMs, 1));
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
