package io.dams.query.rules;

import io.dams.query.http.JsonResponse;
import io.dams.query.http.QueryParams;
import io.dams.query.auth.BearerAuth;
import io.dams.schemas.avro.Rule;
import io.javalin.http.Context;
import java.util.Collection;
import java.util.Set;

/** {@code GET /api/v2/rules}, {@code GET/PUT/DELETE /api/v2/rules/{name}}: request parsing and JSON only. */
public final class RulesController {

    public static final String LIST = "/api/v2/rules";
    public static final String ONE = "/api/v2/rules/{name}";

    private final RuleService service;

    public RulesController(RuleService service) {
        this.service = service;
    }

    public void list(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        Collection<Rule> rules = service.rules();
        JsonResponse.send(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeArrayFieldStart("rules");
            for (Rule rule : rules) {
                RuleJson.write(gen, rule);
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    public void detail(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        Rule rule = service.rule(ctx.pathParam("name"));
        JsonResponse.send(ctx, 200, gen -> RuleJson.write(gen, rule));
    }

    /** 201 when the rule is new, 200 when it replaced one; the rule as stored either way. */
    public void put(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        String name = ctx.pathParam("name");
        RuleService.Written written = service.put(name, ctx.body(), BearerAuth.principalName(ctx));
        if (written.created()) {
            ctx.header("Location", LIST + "/" + name);
        }
        JsonResponse.send(ctx, written.created() ? 201 : 200, gen -> RuleJson.write(gen, written.rule()));
    }

    public void delete(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        service.delete(ctx.pathParam("name"), BearerAuth.principalName(ctx));
        ctx.status(204);
    }
}
