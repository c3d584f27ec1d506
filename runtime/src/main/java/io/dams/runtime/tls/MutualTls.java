package io.dams.runtime.tls;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.Closeable;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Mutual TLS 1.3 for the agent-bridge link. Certificates, keys and the CA are re-read from their files every
 * {@code refresh}, so rotated certificates take effect without a restart; the peer must present a certificate signed
 * by the CA and valid now.
 */
public final class MutualTls implements AutoCloseable {

    private static final String[] PROTOCOLS = {"TLSv1.3"};

    private final SslContext context;
    private final TlsFiles files;
    private final ScheduledExecutorService reloader;
    private final List<Closeable> watches;

    private MutualTls(SslContext context, TlsFiles files, ScheduledExecutorService reloader, List<Closeable> watches) {
        this.context = context;
        this.files = files;
        this.reloader = reloader;
        this.watches = watches;
    }

    /**
     * A server context. A client certificate, when presented, must verify against the CA (a failure is reported to
     * {@code refused} and ends the handshake). One that presents none completes the handshake without an identity:
     * the server refuses its calls itself, so that the refusal is counted and answered with a gRPC status rather
     * than a bare handshake failure.
     */
    public static MutualTls server(TlsFiles files, Duration refresh, Consumer<CertificateException> refused) {
        return create(files, refresh, true, refused);
    }

    /** A client context that presents our certificate and verifies the server's certificate and host name. */
    public static MutualTls client(TlsFiles files, Duration refresh) {
        return create(files, refresh, false, e -> { });
    }

    public SslContext context() {
        return context;
    }

    /** When our own certificate stops being valid, as currently on disk. */
    public Instant certificateExpiry() {
        try {
            return CertificateAuthority.readCertificates(files.cert()).get(0).getNotAfter().toInstant();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + files.cert() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (Closeable watch : watches) {
            try {
                watch.close();
            } catch (IOException ignored) {
                // Only a scheduled re-read is cancelled here.
            }
        }
        reloader.shutdownNow();
    }

    private static MutualTls create(TlsFiles files, Duration refresh, boolean server,
                                    Consumer<CertificateException> refused) {
        String role = server ? "bridge TLS" : "agent TLS";
        files.requireReadable(role);
        ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dams-tls-reload");
            t.setDaemon(true);
            return t;
        });
        try {
            AdvancedTlsX509KeyManager keyManager = new AdvancedTlsX509KeyManager();
            Closeable keyWatch = keyManager.updateIdentityCredentials(files.cert().toFile(), files.key().toFile(),
                    refresh.toMillis(), TimeUnit.MILLISECONDS, reloader);
            AdvancedTlsX509TrustManager trustManager = AdvancedTlsX509TrustManager.newBuilder()
                    .setVerification(server
                            ? AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION
                            : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION)
                    .build();
            Closeable trustWatch = trustManager.updateTrustCredentials(files.ca().toFile(), refresh.toMillis(),
                    TimeUnit.MILLISECONDS, reloader);
            SslContextBuilder builder = server
                    ? SslContextBuilder.forServer(keyManager).clientAuth(ClientAuth.OPTIONAL)
                    : SslContextBuilder.forClient().keyManager(keyManager);
            SslContext context = GrpcSslContexts.configure(builder)
                    .trustManager(server ? new ReportingTrustManager(trustManager, refused) : trustManager)
                    .protocols(PROTOCOLS)
                    .build();
            return new MutualTls(context, files, reloader, List.of(keyWatch, trustWatch));
        } catch (IOException | GeneralSecurityException e) {
            reloader.shutdownNow();
            throw new IllegalStateException(role + ": cannot load " + files.cert() + ", " + files.key() + " or "
                    + files.ca() + ": " + e.getMessage(), e);
        }
    }

    /** The SPIFFE ID in the peer certificate of a TLS session, if it has one. */
    public static Optional<SpiffeId> peerIdentity(SSLSession session) {
        if (session == null) {
            return Optional.empty();
        }
        try {
            X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
            var names = peer.getSubjectAlternativeNames();
            if (names == null) {
                return Optional.empty();
            }
            for (List<?> name : names) {
                // 6 is uniformResourceIdentifier in the GeneralName choice.
                if (Integer.valueOf(6).equals(name.get(0))) {
                    Optional<SpiffeId> id = SpiffeId.parse(String.valueOf(name.get(1)));
                    if (id.isPresent()) {
                        return id;
                    }
                }
            }
            return Optional.empty();
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            return Optional.empty();
        }
    }

}
