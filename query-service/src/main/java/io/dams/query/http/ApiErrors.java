package io.dams.query.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.query.assets.AssetJson;
import io.dams.query.auth.BearerAuth;
import io.dams.query.fleet.StoreUnavailableException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.EndpointNotFound;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place errors become responses: a JSON body {@code {"error": ..., "field": ...}} ({@code field} when a
 * request parameter is at fault), the status of the exception, and never a stack trace in the body.
 */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);
    /** Detail key of an {@link HttpResponseException} naming the parameter at fault. */
    public static final String FIELD = "field";
    /** Detail keys of an {@link HttpResponseException} giving where in the request body the fault is (1-based). */
    public static final String LINE = "line";
    public static final String COLUMN = "column";

    private ApiErrors() {
    }

    /** Request text quoted in an error message, cut short so that a huge parameter does not come back whole. */
    public static String quote(String text) {
        return "'" + (text.length() <= 100 ? text : text.substring(0, 100) + "...") + "'";
    }

    /** A 400 naming the parameter at fault. */
    public static BadRequestResponse badParameter(String field, String message) {
        return new BadRequestResponse(message, Map.of(FIELD, field));
    }

    /** A 400 for a request body, naming the field at fault (may be null) and where in the body it is. */
    public static BadRequestResponse badBody(String field, int line, int column, String message) {
        Map<String, String> details = new HashMap<>();
        if (field != null && !field.isEmpty()) {
            details.put(FIELD, field);
        }
        details.put(LINE, Integer.toString(line));
        details.put(COLUMN, Integer.toString(column));
        return new BadRequestResponse(message, details);
    }

    public static void install(RoutesConfig routes) {
        routes.exception(EndpointNotFound.class, (e, ctx) ->
                write(ctx, 404, "no route " + ctx.method() + " " + quote(ctx.path()), null));
        routes.exception(HttpResponseException.class, (e, ctx) -> {
            if (e.getStatus() == 401) {
                String error = e.getDetails().get(BearerAuth.BEARER_ERROR);
                ctx.header("WWW-Authenticate",
                        "Bearer realm=\"dams\"" + (error == null ? "" : ", error=\"" + error + "\""));
            }
            write(ctx, e.getStatus(), e.getMessage(), e.getDetails().get(FIELD), number(e.getDetails().get(LINE)),
                    number(e.getDetails().get(COLUMN)));
        });
        routes.exception(StoreUnavailableException.class, (e, ctx) -> {
            // The cause names internal hosts: it goes to the log (and the upstream metrics), not to the client.
            LOG.debug("{} {}: stores unavailable: {}", ctx.method(), ctx.path(), e.getMessage());
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
            write(ctx, 503, e.publicReason() + "; retry after " + e.retryAfterSeconds() + " s", null);
        });
        routes.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            write(ctx, 500, "internal error; the query service's log has the details", null);
        });
    }

    static void write(Context ctx, int status, String error, String field) {
        write(ctx, status, error, field, null, null);
    }

    static void write(Context ctx, int status, String error, String field, Integer line, Integer column) {
        ctx.status(status);
        ctx.contentType("application/json");
        ctx.result(body(error, field, line, column));
    }

    static byte[] body(String error, String field) {
        return body(error, field, null, null);
    }

    static byte[] body(String error, String field, Integer line, Integer column) {
        ByteArrayBuilder out = new ByteArrayBuilder(128);
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(out)) {
            gen.writeStartObject();
            gen.writeStringField("error", error == null ? "error" : error);
            if (field != null) {
                gen.writeStringField(FIELD, field);
            }
            if (line != null && column != null) {
                gen.writeNumberField(LINE, line);
                gen.writeNumberField(COLUMN, column);
            }
            gen.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static Integer number(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
