package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.avro.Silence;
import java.util.List;
import java.util.Map;

/** Test data: transitions as the rules job writes them, silences as the query service writes them. */
public final class AlertFixtures {

    public static final String RULE = "high-cpu";
    public static final String REGION = "eu-west-1";

    private AlertFixtures() {
    }

    /** A per-asset alert of {@link #RULE} in {@link #REGION} moving {@code from → to} at {@code at}. */
    public static AlertTransition transition(String alertId, String assetId, AlertState from, AlertState to, long at) {
        return transition(alertId, RULE, assetId, REGION, from, to, at);
    }

    public static AlertTransition transition(String alertId, String rule, String assetId, String region,
                                             AlertState from, AlertState to, long at) {
        return AlertTransition.newBuilder()
                .setAlertId(alertId)
                .setRuleName(rule)
                .setSeverity(Severity.WARNING)
                .setGroupLabels(assetId == null ? Map.of() : Map.of("asset_id", assetId))
                .setAssetId(assetId)
                .setRegion(region)
                .setFromState(from)
                .setToState(to)
                .setAt(at)
                .setActiveSince(to == AlertState.INACTIVE ? null : at - 60_000)
                .setValue(93.5)
                .setThreshold(90.0)
                .setCondition("avg(cpu_percent) > 90")
                .setChannels(List.of("slack", "email"))
                .setAnnotations(Map.of("summary", "CPU above 90%"))
                .setEvaluatedAt(at)
                .build();
    }

    /** A by (...) alert without a region: grouped by its own group labels. */
    public static AlertTransition grouped(String alertId, String rule, Map<String, String> groupLabels,
                                          AlertState from, AlertState to, long at) {
        return AlertTransition.newBuilder(transition(alertId, rule, null, null, from, to, at))
                .setGroupLabels(groupLabels)
                .build();
    }

    public static AlertTransition firing(String alertId, String assetId, long at) {
        return transition(alertId, assetId, AlertState.PENDING, AlertState.FIRING, at);
    }

    public static AlertTransition resolved(String alertId, String assetId, long at) {
        return transition(alertId, assetId, AlertState.FIRING, AlertState.RESOLVED, at);
    }

    /** A silence of one alert, the seed's {@code {"alert_id": ..., "duration": ...}}. */
    public static Silence silenceOf(String silenceId, String alertId, long startsAt, long endsAt) {
        return silence(silenceId, alertId, List.of(), startsAt, endsAt);
    }

    public static Silence silenceMatching(String silenceId, long startsAt, long endsAt, LabelMatcher... matchers) {
        return silence(silenceId, null, List.of(matchers), startsAt, endsAt);
    }

    public static Silence silence(String silenceId, String alertId, List<LabelMatcher> matchers, long startsAt,
                                  long endsAt) {
        return Silence.newBuilder()
                .setSilenceId(silenceId)
                .setAlertId(alertId)
                .setMatchers(matchers)
                .setStartsAt(startsAt)
                .setEndsAt(endsAt)
                .setAuthor("oncall@example.com")
                .setComment("maintenance")
                .setCreatedAt(startsAt)
                .build();
    }

    public static LabelMatcher matcher(String name, MatchOp op, String value) {
        return new LabelMatcher(name, op, value);
    }
}
