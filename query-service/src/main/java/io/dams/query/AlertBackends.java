package io.dams.query;

import io.dams.query.alerts.AlertStore;
import io.dams.query.stream.TransitionFeed;
import io.dams.query.tables.Table;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Silence;
import java.util.Objects;

/**
 * What the alert, silence, rule and live-feed routes read and write: the alerting job's alerts, the silences and
 * rules tables, and the transitions as they happen.
 */
public record AlertBackends(AlertStore alerts, Table<Silence> silences, Table<Rule> rules, TransitionFeed transitions) {

    public AlertBackends {
        Objects.requireNonNull(alerts, "alerts");
        Objects.requireNonNull(silences, "silences");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(transitions, "transitions");
    }
}
