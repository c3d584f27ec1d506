package io.dams.query.http;

import io.javalin.http.Context;
import java.util.Set;

/** Checks of a request's query string shared by the routes. */
public final class QueryParams {

    private QueryParams() {
    }

    /**
     * Refuses a parameter the route does not know: a misspelt filter ({@code ?stauts=down}) would otherwise return
     * the unfiltered fleet as if it were the answer.
     */
    public static void onlyKnown(Context ctx, Set<String> known) {
        if (ctx.queryString() == null) {
            return;
        }
        for (String name : ctx.queryParamMap().keySet()) {
            if (!known.contains(name)) {
                throw ApiErrors.badParameter(name, known.isEmpty()
                        ? "this route takes no query parameters"
                        : "unknown query parameter " + ApiErrors.quote(name) + "; this route takes "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }
}
