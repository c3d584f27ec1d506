package io.dams.streams.alerting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The alerting job's self-metrics. Every record read from {@code dams.alerts.transitions} ends in exactly one
 * {@code dams_alerting_transitions_total{result}}: {@code accepted}, {@code duplicate} (repeats what the active-alerts
 * store knows), {@code stale} (older than what it knows), {@code undecodable} or {@code invalid} (no key, a key that
 * is not its alert_id, no rule name). Every record of {@code dams.silences} ends in one
 * {@code dams_alerting_silences_total{result}}: {@code stored}, {@code deleted}, {@code undecodable} or
 * {@code invalid} (ends_at not after starts_at, nothing to match, a bad regular expression). Notifications sent:
 * {@code dams_alerting_notifications_total{status="firing"|"resolved"}}; alerts that a silence kept out of
 * notifications: {@code dams_alerting_muted_alerts_total} (once each time an alert becomes muted); alert groups
 * held by this instance: {@code dams_alerting_groups_active}.
 */
public final class AlertingMetrics {

    public static final String TRANSITIONS = "dams.alerting.transitions";
    public static final String SILENCES = "dams.alerting.silences";
    public static final String NOTIFICATIONS = "dams.alerting.notifications";
    public static final String MUTED = "dams.alerting.muted.alerts";
    public static final String GROUPS = "dams.alerting.groups.active";

    final Counter accepted;
    final Counter duplicate;
    final Counter stale;
    final Counter undecodableTransitions;
    final Counter invalidTransitions;
    final Counter silencesStored;
    final Counter silencesDeleted;
    final Counter undecodableSilences;
    final Counter invalidSilences;
    final Counter firing;
    final Counter resolved;
    final Counter muted;
    /** Groups held by every task of this instance; each task adds and removes its own. */
    final AtomicLong groups = new AtomicLong();

    public AlertingMetrics(MeterRegistry registry) {
        accepted = transitions(registry, "accepted");
        duplicate = transitions(registry, "duplicate");
        stale = transitions(registry, "stale");
        undecodableTransitions = transitions(registry, "undecodable");
        invalidTransitions = transitions(registry, "invalid");
        silencesStored = silences(registry, "stored");
        silencesDeleted = silences(registry, "deleted");
        undecodableSilences = silences(registry, "undecodable");
        invalidSilences = silences(registry, "invalid");
        firing = notifications(registry, "firing");
        resolved = notifications(registry, "resolved");
        muted = Counter.builder(MUTED).description("Times an alert was kept out of notifications by a silence")
                .register(registry);
        Gauge.builder(GROUPS, groups, AtomicLong::get).description("Alert groups this instance holds")
                .register(registry);
    }

    private static Counter transitions(MeterRegistry registry, String result) {
        return Counter.builder(TRANSITIONS)
                .description("Records read from dams.alerts.transitions, by what became of them")
                .tag("result", result).register(registry);
    }

    private static Counter silences(MeterRegistry registry, String result) {
        return Counter.builder(SILENCES).description("Records read from dams.silences, by what became of them")
                .tag("result", result).register(registry);
    }

    private static Counter notifications(MeterRegistry registry, String status) {
        return Counter.builder(NOTIFICATIONS).description("Notifications sent to dams.alerts.notifications")
                .tag("status", status).register(registry);
    }
}
