package io.dams.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.RegisterRequest;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Sample;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may talk to the bridge, each refusal the design names answered and counted, and what it makes of bytes that are
 * no batch: on a real TLS 1.3 link.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class BridgeSecurityIT {

    static final String DOMAIN = "dams.test";
    static final String REGION = "eu-west-1";

    @TempDir
    static Path tmp;

    static CertificateAuthority ca;
    static EdgeBridge bridge;

    @BeforeAll
    static void startBridge(Endpoints platform) {
        ca = CertificateAuthority.init(tmp.resolve("ca"), DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), tmp.resolve("bridge"));
        bridge = EdgeBridge.start(BridgeTestConfig.config(platform, tmp.resolve("data"), bridgeTls, REGION, DOMAIN),
                Clock.systemUTC());
    }

    @AfterAll
    static void stopBridge() {
        if (bridge != null) {
            bridge.close();
        }
    }

    @Test
    void shouldAcceptAndAcknowledgeABatchFromTheAssetNamedInTheCertificate() throws Exception {
        try (Client client = Client.agent("node-ok", REGION)) {
            client.register();
            Ack ack = client.publish(batch("node-ok", REGION, 1)).get(30, TimeUnit.SECONDS);

            assertThat(ack.getSeq()).isEqualTo(1);
            assertThat(ack.getAccepted()).isEqualTo(2);
            assertThat(ack.getRejected()).isZero();
        }
    }

    @Test
    void shouldRefuseAClientWithoutACertificateAndCountIt() throws Exception {
        double before = metric("dams_bridge_auth_refused_total{reason=\"no_certificate\"");
        SslContext trustOnly = GrpcSslContexts.forClient().trustManager(ca.caCertFile().toFile())
                .protocols("TLSv1.3").build();
        ManagedChannel channel = channel(trustOnly);
        try {
            assertThatThrownBy(() -> IngestGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .register(RegisterRequest.newBuilder().setAsset(asset("anon", REGION)).build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        } finally {
            channel.shutdownNow();
        }
        assertThat(metric("dams_bridge_auth_refused_total{reason=\"no_certificate\"")).isEqualTo(before + 1);
    }

    @Test
    void shouldRefuseACertificateFromAnotherCaAndCountIt() throws Exception {
        CertificateAuthority other = CertificateAuthority.init(tmp.resolve("other-ca"), DOMAIN, Duration.ofDays(1),
                Clock.systemUTC());
        TlsFiles foreign = other.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, "node-x"),
                Duration.ofHours(1)), tmp.resolve("foreign"));
        // The client trusts the real CA (so it accepts the bridge), but presents a certificate of another CA.
        TlsFiles mixed = new TlsFiles(foreign.cert(), foreign.key(), ca.caCertFile());
        double before = metric("dams_bridge_auth_refused_total{reason=\"untrusted_certificate\"");

        try (Client client = new Client(MutualTls.client(mixed, Duration.ofMinutes(1)), "node-x", REGION)) {
            assertThatThrownBy(client::register).isInstanceOf(StatusRuntimeException.class);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("dams_bridge_auth_refused_total{reason=\"untrusted_certificate\""))
                        .isGreaterThan(before));
    }

    @Test
    void shouldRefuseAnExpiredCertificateAndCountIt() throws Exception {
        Clock twoDaysAgo = Clock.fixed(Instant.now().minus(Duration.ofDays(2)), ZoneOffset.UTC);
        TlsFiles expired = CertificateAuthority.load(tmp.resolve("ca"), twoDaysAgo).issue(
                CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, "node-old"), Duration.ofHours(1)),
                tmp.resolve("expired"));
        double before = metric("dams_bridge_auth_refused_total{reason=\"expired_certificate\"");

        try (Client client = new Client(MutualTls.client(expired, Duration.ofMinutes(1)), "node-old", REGION)) {
            assertThatThrownBy(client::register).isInstanceOf(StatusRuntimeException.class);
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(metric("dams_bridge_auth_refused_total{reason=\"expired_certificate\""))
                        .isGreaterThan(before));
    }

    @Test
    void shouldRefuseABatchForAnotherAssetWithPermissionDeniedAndCountIt() throws Exception {
        double before = metric("dams_bridge_auth_refused_total{reason=\"other_asset\"");
        try (Client client = Client.agent("node-1", REGION)) {
            CompletableFuture<Ack> ack = client.publish(batch("node-2", REGION, 1));

            assertThatThrownBy(() -> ack.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class)
                    .cause().satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                            .isEqualTo(Status.Code.PERMISSION_DENIED));
        }
        assertThat(metric("dams_bridge_auth_refused_total{reason=\"other_asset\"")).isEqualTo(before + 1);
    }

    @Test
    void shouldRefuseAnAgentOfAnotherRegionAndCountIt() throws Exception {
        double before = metric("dams_bridge_auth_refused_total{reason=\"wrong_region\"");
        try (Client client = Client.agent("node-us", "us-east-1")) {
            assertThatThrownBy(client::register).isInstanceOfSatisfying(StatusRuntimeException.class,
                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
        }
        assertThat(metric("dams_bridge_auth_refused_total{reason=\"wrong_region\"")).isEqualTo(before + 1);
    }

    @Test
    void shouldRefuseALabelValueThatIsNotUtf8AloneAndEndAStreamOfBytesThatAreNoBatch() throws Exception {
        double malformedBefore = metric("dams_bridge_batches_total{result=\"malformed\"");
        double invalidBefore = metric("dams_bridge_samples_total{reason=\"invalid_label_value\"");
        // Bytes the generated stub cannot send: its setters refuse what is not UTF-8.
        byte[] bytes = batch("node-raw", REGION, 1).toBuilder()
                .addSamples(Sample.newBuilder().setName("log_lines").setTimestampMs(System.currentTimeMillis())
                        .addLabels(Label.newBuilder().setName("path").setValue("MARKER")))
                .build().toByteArray();
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("MARKER");
        bytes[at] = (byte) 0xc3;
        bytes[at + 1] = '(';

        try (Client client = Client.agent("node-raw", REGION)) {
            Ack ack = client.publishRaw(bytes).get(30, TimeUnit.SECONDS);
            assertThat(ack.getAccepted()).isEqualTo(2);
            assertThat(ack.getRejected()).isEqualTo(1);
            assertThat(ack.getRejections(0).getReason()).isEqualTo(RejectReason.INVALID_LABEL_VALUE);

            assertThatThrownBy(() -> client.publishRaw(Arrays.copyOf(bytes, bytes.length - 3)).get(30,
                    TimeUnit.SECONDS)).hasCauseInstanceOf(StatusRuntimeException.class).cause()
                    .satisfies(e -> {
                        Status status = ((StatusRuntimeException) e).getStatus();
                        assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(status.getDescription()).startsWith("not a dams.ingest.v1.Batch message: ")
                                .contains("truncated");
                    });
        }
        assertThat(metric("dams_bridge_samples_total{reason=\"invalid_label_value\""))
                .isEqualTo(invalidBefore + 1);
        assertThat(metric("dams_bridge_batches_total{result=\"malformed\"")).isEqualTo(malformedBefore + 1);
    }

    static Batch batch(String asset, String region, long seq) {
        long now = System.currentTimeMillis();
        return Batch.newBuilder().setAssetId(asset).setAgentId("agent-" + asset).setSeq(seq).setRegion(region)
                .setSentAtMs(now)
                .addSamples(Sample.newBuilder().setName("cpu_percent").setTimestampMs(now).setValue(12.5))
                .addSamples(Sample.newBuilder().setName("disk_used_percent").addLabels(Label.newBuilder().setName("mount").setValue("/"))
                        .setTimestampMs(now).setValue(40))
                .build();
    }

    static AssetInfo asset(String id, String region) {
        return AssetInfo.newBuilder().setAssetId(id).setRegion(region).setKind("server").build();
    }

    static ManagedChannel channel(SslContext context) {
        return NettyChannelBuilder.forAddress("127.0.0.1", bridge.port()).sslContext(context)
                .overrideAuthority("localhost").build();
    }

    static double metric(String prefix) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + bridge.statusPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0.0);
    }

    /** An agent's side of the link, by hand: its own certificate, one stream. */
    static final class Client implements AutoCloseable {
        private final MutualTls tls;
        private final ManagedChannel channel;
        private final String asset;
        private final String region;

        Client(MutualTls tls, String asset, String region) {
            this.tls = tls;
            this.channel = channel(tls.context());
            this.asset = asset;
            this.region = region;
        }

        static Client agent(String asset, String region) {
            TlsFiles files = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, region, asset),
                    Duration.ofHours(1)), tmp.resolve("agents").resolve(asset));
            return new Client(MutualTls.client(files, Duration.ofMinutes(1)), asset, region);
        }

        void register() {
            IngestGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .register(RegisterRequest.newBuilder().setAsset(asset(asset, region)).build());
        }

        CompletableFuture<Ack> publish(Batch batch) {
            return publish(IngestGrpc.newStub(channel)::publish, batch);
        }

        /** Sends {@code bytes} as they are, for a Batch message. */
        CompletableFuture<Ack> publishRaw(byte[] bytes) {
            MethodDescriptor<byte[], Ack> raw = IngestGrpc.getPublishMethod()
                    .toBuilder(new RawBytes(), IngestGrpc.getPublishMethod().getResponseMarshaller()).build();
            return publish(acks -> ClientCalls.asyncBidiStreamingCall(channel.newCall(raw, CallOptions.DEFAULT),
                    acks), bytes);
        }

        private static <T> CompletableFuture<Ack> publish(
                Function<StreamObserver<Ack>, StreamObserver<T>> call, T batch) {
            CompletableFuture<Ack> result = new CompletableFuture<>();
            StreamObserver<T> requests = call.apply(new StreamObserver<>() {
                @Override
                public void onNext(Ack ack) {
                    result.complete(ack);
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    result.completeExceptionally(new IllegalStateException("stream ended without an ack"));
                }
            });
            requests.onNext(batch);
            result.whenComplete((a, e) -> {
                if (e == null) {
                    requests.onCompleted();
                }
            });
            return result;
        }

        @Override
        public void close() {
            channel.shutdownNow();
            tls.close();
        }
    }

    private static final class RawBytes implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] bytes) {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException("requests only");
        }
    }
}
