package io.dams.query.silences;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.auth.BearerAuth;
import io.dams.query.http.ApiErrors;
import io.dams.query.http.JsonBody;
import io.dams.query.http.JsonResponse;
import io.dams.query.http.QueryParams;
import io.dams.runtime.config.Durations;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.Silence;
import io.javalin.http.Context;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /api/v2/alerts/silence} (the seed's silence of one alert), {@code POST /api/v2/silences} (by label
 * matchers), {@code GET /api/v2/silences}, {@code GET/DELETE /api/v2/silences/{silence_id}}: request parsing and JSON
 * only.
 */
public final class SilencesController {

    public static final String SILENCE_ALERT = "/api/v2/alerts/silence";
    public static final String LIST = "/api/v2/silences";
    public static final String ONE = "/api/v2/silences/{silence_id}";

    private static final Set<String> ALERT_FIELDS = Set.of("alert_id", "duration", "comment");
    private static final Set<String> MATCHER_FIELDS = Set.of("matchers", "alert_id", "starts_at", "ends_at",
            "duration", "comment");
    private static final int MAX_COMMENT = 4096;

    private final SilenceService service;

    public SilencesController(SilenceService service) {
        this.service = service;
    }

    /** {@code {"alert_id": "abc123", "duration": "2h", "comment": "..."}}: from now for the duration. */
    public void silenceAlert(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        JsonBody body = JsonBody.object(ctx, ALERT_FIELDS);
        String alertId = body.requiredText("alert_id", "\"alert_id\": \"abc123\"");
        Duration duration = duration(body.requiredText("duration", "\"duration\": \"2h\""));
        String comment = comment(body);
        Instant now = service.clock().instant();
        Silence silence = service.silenceAlert(alertId, now, end(now, duration), author(ctx), comment);
        created(ctx, silence);
    }

    /**
     * {@code {"matchers": [...], "duration": "2h" | "ends_at": "...", "starts_at": "...", "comment": "..."}}; a start
     * in the past is now. {@code alert_id} may stand for the matchers, or narrow them.
     */
    public void create(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        JsonBody body = JsonBody.object(ctx, MATCHER_FIELDS);
        String alertId = body.text("alert_id").orElse(null);
        if (alertId != null && alertId.isBlank()) {
            throw ApiErrors.badParameter("alert_id", "alert_id must not be empty");
        }
        List<LabelMatcher> matchers = List.of();
        JsonNode matcherNode = body.node("matchers").orElse(null);
        if (matcherNode != null || alertId == null) {
            if (matcherNode == null) {
                throw ApiErrors.badParameter("matchers", "matchers is required (or alert_id), e.g. [{\"name\":"
                        + " \"region\", \"op\": \"=\", \"value\": \"eu-west-1\"}]");
            }
            matchers = SilenceMatchers.read(matcherNode);
        }
        Instant now = service.clock().instant();
        Instant startsAt = body.text("starts_at").map(t -> instant(t, "starts_at")).orElse(now);
        if (startsAt.isBefore(now)) {
            startsAt = now;
        }
        Instant endsAt;
        if (body.has("duration") == body.has("ends_at")) {
            throw ApiErrors.badParameter("duration", "give either duration (e.g. \"2h\") or ends_at (ISO-8601), not "
                    + (body.has("duration") ? "both" : "neither"));
        } else if (body.has("duration")) {
            endsAt = end(startsAt, duration(body.requiredText("duration", "\"duration\": \"2h\"")));
        } else {
            endsAt = instant(body.requiredText("ends_at", "\"ends_at\": \"2030-01-01T12:00:00Z\""), "ends_at");
            if (!endsAt.isAfter(startsAt)) {
                throw ApiErrors.badParameter("ends_at", "ends_at must be after the start (" + startsAt + ")");
            }
        }
        String comment = comment(body);
        Silence silence = service.create(alertId, matchers, startsAt, endsAt, author(ctx), comment);
        created(ctx, silence);
    }

    /** {@code ?state=active&state=pending} (the default) or {@code expired}. */
    public void list(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of("state"));
        Set<SilenceState> states = QueryParams.each(ctx, "state", SilenceState::parse,
                "one of active, pending, expired");
        if (states.isEmpty()) {
            states = EnumSet.of(SilenceState.ACTIVE, SilenceState.PENDING);
        }
        List<Silence> silences = service.list(states);
        long now = service.clock().millis();
        JsonResponse.send(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeArrayFieldStart("silences");
            for (Silence s : silences) {
                SilenceJson.write(gen, s, now);
            }
            gen.writeEndArray();
            gen.writeEndObject();
        });
    }

    public void detail(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        Silence silence = service.silence(ctx.pathParam("silence_id"));
        long now = service.clock().millis();
        JsonResponse.send(ctx, 200, gen -> SilenceJson.write(gen, silence, now));
    }

    public void delete(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        service.delete(ctx.pathParam("silence_id"), author(ctx));
        ctx.status(204);
    }

    private void created(Context ctx, Silence silence) {
        long now = service.clock().millis();
        ctx.header("Location", LIST + "/" + silence.getSilenceId());
        JsonResponse.send(ctx, 201, gen -> SilenceJson.write(gen, silence, now));
    }

    static Duration duration(String text) {
        Duration d;
        try {
            d = Durations.parse(text);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw ApiErrors.badParameter("duration", ApiErrors.quote(text) + " is not a duration; write e.g. 30m, 2h"
                    + " or 7d (units ms, s, m, h, d)");
        }
        if (d.isNegative() || d.isZero()) {
            throw ApiErrors.badParameter("duration", "the duration must be longer than 0, not " + ApiErrors.quote(text));
        }
        return d;
    }

    private static Instant end(Instant start, Duration duration) {
        try {
            Instant end = start.plus(duration);
            end.toEpochMilli();
            return end;
        } catch (DateTimeException | ArithmeticException e) {
            throw ApiErrors.badParameter("duration", "the duration is too long");
        }
    }

    private static Instant instant(String text, String field) {
        try {
            Instant at = OffsetDateTime.parse(text.strip()).toInstant();
            at.toEpochMilli();
            return at;
        } catch (DateTimeParseException | ArithmeticException e) {
            throw ApiErrors.badParameter(field, ApiErrors.quote(text) + " is not a time; write ISO-8601 with an"
                    + " offset, e.g. 2030-01-01T12:00:00Z");
        }
    }

    private static String comment(JsonBody body) {
        String comment = body.text("comment").orElse(null);
        if (comment != null && comment.length() > MAX_COMMENT) {
            throw ApiErrors.badParameter("comment", "the comment is longer than " + MAX_COMMENT + " characters");
        }
        return comment;
    }

    private static String author(Context ctx) {
        return BearerAuth.principalName(ctx);
    }
}
