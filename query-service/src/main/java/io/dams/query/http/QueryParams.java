package io.dams.query.http;

import io.javalin.http.Context;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

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

    /** A parameter that may be given at most once; null when absent. */
    public static String single(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        if (values.size() > 1) {
            throw ApiErrors.badParameter(name, name + " may be given once");
        }
        return values.isEmpty() ? null : values.get(0);
    }

    /** The page size: the default when absent, else a whole number from 1 to {@code max}. */
    public static int limit(Context ctx, int defaultLimit, int max) {
        String text = single(ctx, "limit");
        if (text == null) {
            return defaultLimit;
        }
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > max) {
            throw ApiErrors.badParameter("limit", "limit must be a whole number from 1 to " + max + ", not "
                    + ApiErrors.quote(text));
        }
        return limit;
    }

    /**
     * Every value of a repeatable parameter, each read by {@code parse}, which returns null for a value it refuses;
     * {@code expected} then says what the values may be.
     */
    public static <T> Set<T> each(Context ctx, String name, Function<String, T> parse, String expected) {
        Set<T> out = new LinkedHashSet<>();
        for (String text : ctx.queryParams(name)) {
            T value = text.isBlank() ? null : parse.apply(text);
            if (value == null) {
                throw ApiErrors.badParameter(name, ApiErrors.quote(text) + " is not a valid " + name + "; "
                        + expected);
            }
            out.add(value);
        }
        return out;
    }
}
