package io.dams.query.alerts;

import io.dams.query.assets.Cursor;
import io.dams.streams.iq.AlertView;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The logic of the alert routes: filtered pages of the alerting job's alerts, and one alert. */
public final class AlertService {

    /** The cursor kind of the alert listing. */
    static final String CURSOR_KIND = "l";

    private final AlertStore store;

    public AlertService(AlertStore store) {
        this.store = store;
    }

    /** The page after {@code query.after()}, in alert-id order. */
    public AlertPage page(AlertQuery query) {
        List<AlertView> all = new ArrayList<>(store.alerts());
        all.sort(Comparator.comparing(AlertView::alertId));
        List<AlertView> page = new ArrayList<>();
        String next = null;
        for (AlertView alert : all) {
            if (query.after() != null && alert.alertId().compareTo(query.after()) <= 0 || !query.matches(alert)) {
                continue;
            }
            if (page.size() == query.limit()) {
                next = Cursor.after(CURSOR_KIND, page.get(page.size() - 1).alertId());
                break;
            }
            page.add(alert);
        }
        return new AlertPage(page, next);
    }

    public Optional<AlertView> alert(String alertId) {
        return store.alert(alertId);
    }
}
