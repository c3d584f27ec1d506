package io.dams.query.alerts;

import io.dams.streams.iq.AlertView;
import java.util.List;

/** One page of the alert listing, and the cursor of the next page (null on the last page). */
public record AlertPage(List<AlertView> alerts, String nextCursor) {
}
