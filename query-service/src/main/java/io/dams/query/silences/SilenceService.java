package io.dams.query.silences;

import io.dams.query.alerts.AlertStore;
import io.dams.query.http.ApiErrors;
import io.dams.query.tables.Table;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.Silence;
import io.javalin.http.NotFoundResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The logic of the silence routes over the {@code dams.silences} table and the alerting job's alerts. */
public final class SilenceService {

    private static final Logger LOG = LoggerFactory.getLogger(SilenceService.class);

    private final Table<Silence> silences;
    private final AlertStore alerts;
    private final Clock clock;

    public SilenceService(Table<Silence> silences, AlertStore alerts, Clock clock) {
        this.silences = silences;
        this.alerts = alerts;
        this.clock = clock;
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Silences one alert from now until {@code endsAt}.
     *
     * @throws NotFoundResponse when the alerting job does not know the alert
     */
    public Silence silenceAlert(String alertId, Instant startsAt, Instant endsAt, String author, String comment) {
        return create(alertId, List.of(), startsAt, endsAt, author, comment);
    }

    /**
     * Writes a new silence and returns it once it is in the table.
     *
     * @param alertId the one alert it mutes, or null for every alert the matchers match
     * @throws NotFoundResponse when {@code alertId} names an alert the alerting job does not know
     */
    public Silence create(String alertId, List<LabelMatcher> matchers, Instant startsAt, Instant endsAt,
                          String author, String comment) {
        if (alertId != null && alerts.alert(alertId).isEmpty()) {
            throw new NotFoundResponse("no alert " + ApiErrors.quote(alertId));
        }
        Silence silence = Silence.newBuilder()
                .setSilenceId(UUID.randomUUID().toString())
                .setAlertId(alertId)
                .setMatchers(matchers)
                .setStartsAt(startsAt.toEpochMilli())
                .setEndsAt(endsAt.toEpochMilli())
                .setAuthor(author)
                .setComment(comment)
                .setCreatedAt(clock.millis())
                .build();
        silences.put(silence.getSilenceId(), silence);
        LOG.info("silence {} by {} until {}: {}", silence.getSilenceId(), author, endsAt,
                alertId != null ? "alert " + alertId : matchers.stream().map(m -> m.getName() + SilenceMatchers.symbol(
                        m.getOp()) + "\"" + m.getValue() + "\"").toList());
        return silence;
    }

    /** The silences in any of {@code states}, by start, then id. */
    public List<Silence> list(Set<SilenceState> states) {
        long now = clock.millis();
        return silences.entries().values().stream()
                .filter(s -> states.contains(SilenceState.of(s, now)))
                .sorted(Comparator.comparingLong(Silence::getStartsAt).thenComparing(Silence::getSilenceId))
                .toList();
    }

    public Silence silence(String silenceId) {
        return silences.get(silenceId)
                .orElseThrow(() -> new NotFoundResponse("no silence " + ApiErrors.quote(silenceId)));
    }

    /** Deletes a silence (a tombstone); {@link NotFoundResponse} when there is none. */
    public void delete(String silenceId, String author) {
        silence(silenceId);
        silences.delete(silenceId);
        LOG.info("silence {} deleted by {}", silenceId, author);
    }
}
