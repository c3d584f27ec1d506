package io.dams.bridge.ingest;

import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.SpiffeId;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Admits a call only from a peer whose verified client certificate carries an agent's SPIFFE ID in this bridge's trust
 * domain (and region, when the bridge serves one), and hands that identity to the service.
 */
public final class PeerIdentityInterceptor implements ServerInterceptor {

    /** The caller's identity, set for every admitted call. */
    static final Context.Key<SpiffeId> PEER = Context.key("dams-peer");

    private final String trustDomain;
    private final String region;
    private final Counter noCertificate;
    private final Counter notAnAgent;
    private final Counter wrongTrustDomain;
    private final Counter wrongRegion;

    /** @param region the region this bridge serves; null to admit agents of any region */
    public PeerIdentityInterceptor(String trustDomain, String region, MeterRegistry registry) {
        this.trustDomain = trustDomain;
        this.region = region;
        this.noCertificate = refusals(registry, "no_certificate");
        this.notAnAgent = refusals(registry, "not_an_agent");
        this.wrongTrustDomain = refusals(registry, "wrong_trust_domain");
        this.wrongRegion = refusals(registry, "wrong_region");
    }

    /** The counter of refusals for {@code reason}: {@code dams_bridge_auth_refused_total{reason}}. */
    public static Counter refusals(MeterRegistry registry, String reason) {
        return Counter.builder("dams.bridge.auth.refused")
                .description("Calls and handshakes refused for want of a valid agent identity")
                .tag("reason", reason).register(registry);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        var session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        var id = MutualTls.peerIdentity(session);
        if (id.isEmpty()) {
            boolean hasCertificate = hasPeerCertificate(session);
            (hasCertificate ? notAnAgent : noCertificate).increment();
            return refuse(call, Status.UNAUTHENTICATED.withDescription(hasCertificate
                    ? "the client certificate carries no DAMS SPIFFE ID (spiffe://<domain>/region/<r>/asset/<id>)"
                    : "a client certificate is required; issue one with `dams certs issue`"));
        }
        SpiffeId peer = id.get();
        if (peer.kind() != SpiffeId.Kind.ASSET) {
            notAnAgent.increment();
            return refuse(call, Status.PERMISSION_DENIED.withDescription(peer + " is not an agent identity"));
        }
        if (!peer.trustDomain().equals(trustDomain)) {
            wrongTrustDomain.increment();
            return refuse(call, Status.PERMISSION_DENIED.withDescription(peer + " is not in trust domain " + trustDomain));
        }
        if (region != null && !peer.region().equals(region)) {
            wrongRegion.increment();
            return refuse(call, Status.PERMISSION_DENIED.withDescription(peer + " belongs to region " + peer.region()
                    + "; this bridge serves " + region));
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }

    private static boolean hasPeerCertificate(javax.net.ssl.SSLSession session) {
        try {
            return session != null && session.getPeerCertificates().length > 0;
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() { };
    }
}
