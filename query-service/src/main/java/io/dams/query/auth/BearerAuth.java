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
import java.util.Set;

/**
 * Guards every route that declares a {@link Role}: {@code Authorization: Bearer <token>} must name a configured token
 * (else 401 with {@code WWW-Authenticate: Bearer}) whose role includes the route's (else 403). Routes without a role
 * ({@code /healthz}, {@code /metrics}, the OpenAPI document) are public. Runs before the matched handler.
 *
 * <p>Routes listed as taking a query token also accept {@code ?access_token=<token>} when the request has no
 * {@code Authorization} header: browsers' {@code EventSource} cannot set headers. Only there, because a URL ends up in
 * proxy logs and browser history where a header does not.
 */
public final class BearerAuth implements Handler {

    /** The request attribute holding the authenticated {@link TokenEntry}. */
    public static final String PRINCIPAL = "dams.principal";
    /** Detail key of a 401 that carries the RFC 6750 {@code error} for the {@code WWW-Authenticate} header. */
    public static final String BEARER_ERROR = "bearer_error";

    private static final String SCHEME = "Bearer ";

    /** The query parameter of a token on the routes that take one. */
    public static final String ACCESS_TOKEN = "access_token";

    private final TokenAuthenticator authenticator;
    private final Set<String> queryTokenRoutes;
    private final Counter missing;
    private final Counter invalid;
    private final Counter forbidden;

    public BearerAuth(TokenAuthenticator authenticator, MeterRegistry registry) {
        this(authenticator, registry, Set.of());
    }

    /** @param queryTokenRoutes route templates that also take {@code ?access_token=} */
    public BearerAuth(TokenAuthenticator authenticator, MeterRegistry registry, Set<String> queryTokenRoutes) {
        this.authenticator = authenticator;
        this.queryTokenRoutes = Set.copyOf(queryTokenRoutes);
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
        String secret;
        if (header == null && takesQueryToken(ctx) && ctx.queryParam(ACCESS_TOKEN) != null) {
            secret = ctx.queryParam(ACCESS_TOKEN).strip();
        } else if (header == null || header.length() <= SCHEME.length()
                || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            missing.increment();
            throw new UnauthorizedResponse("this route needs Authorization: Bearer <token>"
                    + (takesQueryToken(ctx) ? " or ?" + ACCESS_TOKEN + "=<token>" : ""));
        } else {
            secret = header.substring(SCHEME.length()).strip();
        }
        Optional<TokenEntry> token = authenticator.authenticate(secret);
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

    /** The name of the token that authenticated the request ({@code unknown} on a public route). */
    public static String principalName(Context ctx) {
        TokenEntry principal = ctx.attribute(PRINCIPAL);
        return principal == null ? "unknown" : principal.name();
    }

    private boolean takesQueryToken(Context ctx) {
        if (queryTokenRoutes.isEmpty()) {
            return false;
        }
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint != null && queryTokenRoutes.contains(endpoint.path);
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
