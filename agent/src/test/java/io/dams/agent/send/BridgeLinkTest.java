package io.dams.agent.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.queue.DiskQueue;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.RegisterRequest;
import io.dams.schemas.ingest.v1.RegisterResponse;
import io.dams.schemas.ingest.v1.Sample;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's side of the link, against a gRPC server on loopback over mutual TLS that records and acknowledges what
 * it gets (the bridge itself is in the end-to-end tests: {@code IngestPathIT}, {@code BridgeCrashIT}).
 */
class BridgeLinkTest {

    private static final String DOMAIN = "dams.test";
    private static final String REGION = "eu-west-1";

    @TempDir
    Path tmp;

    private final List<Long> received = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Server server;
    private MutualTls serverTls;
    private MutualTls agentTls;
    private DiskQueue outbox;

    @BeforeEach
    void startServer() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), DOMAIN, Duration.ofDays(1),
                Clock.systemUTC());
        TlsFiles bridgeFiles = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), tmp.resolve("bridge"));
        TlsFiles agentFiles = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, "node-1"),
                Duration.ofDays(1)), tmp.resolve("agent"));
        serverTls = MutualTls.server(bridgeFiles, Duration.ofMinutes(1), refused -> { });
        agentTls = MutualTls.client(agentFiles, Duration.ofMinutes(1));
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(serverTls.context())
                .addService(new RecordingIngest())
                .build()
                .start();
        outbox = DiskQueue.open(tmp.resolve("outbox.mv"), ByteSize.parse("16MiB"));
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
        outbox.close();
        serverTls.close();
        agentTls.close();
    }

    @Test
    void shouldDropAnOutboxRecordThatIsNoBatchAndSendTheOnesAfterIt() {
        long first = outbox.append(batch("before").toByteArray());
        long damaged = outbox.append("not a protobuf batch \u0000\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        long last = outbox.append(batch("after").toByteArray());

        try (BridgeLink link = new BridgeLink("127.0.0.1:" + server.getPort(), "localhost", agentTls, outbox,
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 0.1),
                AssetInfo.newBuilder().setAssetId("node-1").setRegion(REGION).build(), registry).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> outbox.size() == 0);
        }

        assertThat(received).containsExactly(first, last).doesNotContain(damaged);
        assertThat(registry.get("dams.agent.buffer.unreadable.batches").counter().count()).isEqualTo(1);
        assertThat(registry.get("dams.agent.batches.sent").counter().count()).isEqualTo(2);
    }

    private static Batch batch(String marker) {
        return Batch.newBuilder().setAssetId("node-1").setAgentId("agent-1").setRegion(REGION)
                .addSamples(Sample.newBuilder().setName("cpu_percent").setValue(marker.length())).build();
    }

    /** Acknowledges every batch at once, recording its seq. */
    private final class RecordingIngest extends IngestGrpc.IngestImplBase {
        @Override
        public void register(RegisterRequest request, StreamObserver<RegisterResponse> response) {
            response.onNext(RegisterResponse.newBuilder().setAssetId(request.getAsset().getAssetId()).build());
            response.onCompleted();
        }

        @Override
        public StreamObserver<Batch> publish(StreamObserver<Ack> acks) {
            return new StreamObserver<>() {
                @Override
                public void onNext(Batch batch) {
                    received.add(batch.getSeq());
                    acks.onNext(Ack.newBuilder().setSeq(batch.getSeq()).setAccepted(batch.getSamplesCount())
                            .build());
                }

                @Override
                public void onError(Throwable t) {
                    // The agent went away.
                }

                @Override
                public void onCompleted() {
                    acks.onCompleted();
                }
            };
        }
    }
}
