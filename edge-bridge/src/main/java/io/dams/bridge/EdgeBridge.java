package io.dams.bridge;

import io.dams.bridge.forward.KafkaForwarder;
import io.dams.bridge.ingest.AssetRegistrar;
import io.dams.bridge.ingest.IngestService;
import io.dams.bridge.ingest.PeerIdentityInterceptor;
import io.dams.bridge.validation.BatchDeduplicator;
import io.dams.bridge.validation.BatchValidator;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.status.StatusServer;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.serde.RegistrySerdes;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The regional hub: accepts batches from agents over mutual TLS, validates them, and forwards them to Kafka, spooling
 * to disk while Kafka is unreachable. Serves {@code /healthz} and {@code /metrics} on its status port.
 */
public final class EdgeBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeBridge.class);

    private final Server server;
    private final StatusServer status;
    private final StartedParts parts;

    private EdgeBridge(Server server, StatusServer status, StartedParts parts) {
        this.server = server;
        this.status = status;
        this.parts = parts;
    }

    /** Starts the bridge; on failure, whatever was started is stopped again. */
    public static EdgeBridge start(BridgeConfig config, Clock clock) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        StartedParts parts = new StartedParts();
        try {
            Files.createDirectories(config.dataDir());
            Counter untrusted = PeerIdentityInterceptor.refusals(registry, "untrusted_certificate");
            Counter expired = PeerIdentityInterceptor.refusals(registry, "expired_certificate");
            // Closed in reverse: the forwarder's last callbacks still record into the deduplicator.
            BatchDeduplicator deduplicator = parts.add(BatchDeduplicator.open(config.dataDir().resolve("dedupe.mv"), registry));
            MutualTls tls = parts.add(MutualTls.server(new TlsFiles(config.tls().certFile(), config.tls().keyFile(),
                    config.tls().caFile()), config.tls().refresh(), e -> (isExpiry(e) ? expired : untrusted).increment()));
            KafkaForwarder forwarder = parts.add(KafkaForwarder.start(config.kafka(), registry));
            BatchValidator validator = new BatchValidator(config.validation(), clock, registry);
            AssetRegistrar registrar = parts.add(new AssetRegistrar(config.kafka().bootstrapServers(),
                    new RegistrySerdes(config.kafka().registryUrl()), clock));
            IngestService service = new IngestService(validator, deduplicator, forwarder, registrar, clock, registry);

            ExecutorService workers = workers();
            // Closed after the server has terminated (parts close in reverse): shutting the server down hands the
            // cancellation of every open call to these threads, and a refused hand-over leaves the connection open.
            parts.add(() -> {
                workers.shutdown();
                workers.awaitTermination(5, TimeUnit.SECONDS);
            });
            Server server = NettyServerBuilder
                    .forAddress(new InetSocketAddress(config.listen().host(), config.listen().port()))
                    .sslContext(tls.context())
                    .executor(workers)
                    .addService(ServerInterceptors.intercept(service,
                            new PeerIdentityInterceptor(config.trustDomain(), config.region(), registry)))
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    // Room for the largest batch validation accepts, so that a too-large one gets its own reason.
                    .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE,
                            Math.max(4L << 20, 2 * config.validation().maxBatchBytes().bytes())))
                    .build()
                    .start();
            parts.add(() -> {
                server.shutdown();
                if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                    server.awaitTermination(5, TimeUnit.SECONDS);
                }
            });
            StatusServer status = parts.add(StatusServer.start(config.status().host(), config.status().port(),
                    () -> health(forwarder), registry::scrape, Map.of()));
            LOG.info("edge bridge for region {} listening on {}:{} (status on {}:{})", config.region(),
                    config.listen().host(), server.getPort(), config.status().host(), status.port());
            return new EdgeBridge(server, status, parts);
        } catch (IOException e) {
            parts.close();
            throw new UncheckedIOException("cannot start the bridge: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * The threads that run the ingest service's calls and the TLS handshakes' certificate checks: a few per core, not
     * gRPC's default of a thread per busy call. A thousand agents reconnecting at once to a restarted bridge otherwise
     * run a thousand ECDSA verifications side by side, and the Kafka producer's network thread and the forwarder's
     * events thread get a thousandth of the cores for the ten seconds that lasts. Nothing on these threads waits for
     * long: {@code forward} only blocks while the producer has no metadata, and then every caller would wait anyway.
     */
    static ExecutorService workers() {
        int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
        AtomicInteger next = new AtomicInteger();
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "dams-bridge-worker-" + next.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** The port agents connect to. */
    public int port() {
        return server.getPort();
    }

    public int statusPort() {
        return status.port();
    }

    @Override
    public void close() {
        parts.close();
    }

    private static Map<String, Object> health(KafkaForwarder forwarder) {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("status", "ok");
        health.putAll(forwarder.health());
        return health;
    }

    /** The JDK reports an expired certificate inside a path validation failure; find it anywhere in the chain. */
    static boolean isExpiry(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CertificateExpiredException) {
                return true;
            }
            if (t instanceof CertPathValidatorException v && v.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return true;
            }
        }
        return false;
    }



}
