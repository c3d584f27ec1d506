package io.dams.query.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.query.auth.TokenAuthenticator;
import io.dams.query.auth.TokenEntry;
import io.dams.query.http.QueryParams;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Set;

/** {@code GET /api/v2/admin/tokens}: the configured tokens' names and roles (never their hashes). Admin only. */
public final class TokensController {

    public static final String PATH = "/api/v2/admin/tokens";

    private final TokenAuthenticator tokens;

    public TokensController(TokenAuthenticator tokens) {
        this.tokens = tokens;
    }

    public void list(Context ctx) throws IOException {
        QueryParams.onlyKnown(ctx, Set.of());
        ctx.contentType("application/json");
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(ctx.outputStream())
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            gen.writeStartObject();
            gen.writeArrayFieldStart("tokens");
            for (TokenEntry token : tokens.tokens()) {
                gen.writeStartObject();
                gen.writeStringField("name", token.name());
                gen.writeStringField("role", token.role().toString());
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeEndObject();
        }
    }
}
