package io.dams.query.auth;

import io.javalin.http.Context;
import io.javalin.http.ForbiddenResponse;
import io.javalin.http.Handler;
import io.javalin.http.UnauthorizedResponse;
import io.javalin.security.RouteRole;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;

/**
 * Guards every route that declares a {@link Role}: {@code Authorization: Bearer <token>} must name a configured token
 * (else 401 with {@code WWW-Authenticate: Bearer}) whose role includes the route's (else 403). Routes without a role
 * ({@code /healthz}, {@code /metrics}, the OpenAPI document) are public. Runs before the matched handler.
 */
public final class BearerAuth implements Handler {

    /** The request attribute holding the authenticated {@link TokenEntry}. */
    public static final String PRINCIPAL = "dams.principal";
    /** Detail key of a 401 that carries the RFC 6750 {@code error} for the {@code WWW-Authenticate} header. */
    public static final String BEARER_ERROR = "bearer_error";

    private static final String SCHEME = "Bearer ";

    private final TokenAuthenticator authenticator;
    private final Counter missing;
    private final Counter invalid;
    private final Counter forbidden;

    public BearerAuth(TokenAuthenticator authenticator, MeterRegistry registry) {
        this.authenticator = authenticator;
        this.missing = refusals(registry, "missing_token");
        this.invalid = refusals(registry, "invalid_token");
        this.forbidden = refusals(registry, "insufficient_role");
    }

    @Override
    public void handle(Context ctx) {
        Role required = required(ctx);
        if (required == null) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || header.length() <= SCHEME.length()
                || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            missing.increment();
            throw new UnauthorizedResponse("this route needs Authorization: Bearer <token>");
        }
        Optional<TokenEntry> token = authenticator.authenticate(header.substring(SCHEME.length()).strip());
        if (token.isEmpty()) {
            invalid.increment();
            throw new UnauthorizedResponse("the bearer token is not valid", Map.of(BEARER_ERROR, "invalid_token"));
        }
        if (!token.get().role().includes(required)) {
            forbidden.increment();
            throw new ForbiddenResponse("token '" + token.get().name() + "' has role " + token.get().role()
                    + "; this route needs " + required);
        }
        ctx.attribute(PRINCIPAL, token.get());
    }

    /** The least role among those the route declares; null for a public route. */
    private static Role required(Context ctx) {
        Role least = null;
        for (RouteRole role : ctx.routeRoles()) {
            if (role instanceof Role r && (least == null || !r.includes(least))) {
                least = r;
            }
        }
        return least;
    }

    private static Counter refusals(MeterRegistry registry, String reason) {
        return Counter.builder("dams.query.auth.refusals")
                .description("Requests refused by authentication or authorisation")
                .tag("reason", reason)
                .register(registry);
    }
}
