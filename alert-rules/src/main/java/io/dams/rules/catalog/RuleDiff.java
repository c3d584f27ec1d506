package io.dams.rules.catalog;

import io.dams.rules.AlertRule;
import io.dams.rules.RuleDurations;
import io.dams.rules.lang.Comparison;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.RuleOverride;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What applying a rule file would change in the catalogue, like a plan: rules to add, to change (and what changes),
 * to remove, and those already as wanted. The catalogue's bookkeeping fields ({@code updated_at},
 * {@code updated_by}) are not compared: applying the same file twice changes nothing the second time.
 *
 * @param added     rules of the file the catalogue does not have, in file order
 * @param changed   rules whose content differs, in file order
 * @param removed   names of catalogue rules the file no longer has, sorted
 * @param unchanged names of rules already as the file says, sorted
 */
public record RuleDiff(List<AlertRule> added, List<Change> changed, List<String> removed, List<String> unchanged) {

    public RuleDiff {
        added = List.copyOf(added);
        changed = List.copyOf(changed);
        removed = List.copyOf(removed);
        unchanged = List.copyOf(unchanged);
    }

    /** One rule whose content differs, with each differing field. */
    public record Change(AlertRule rule, List<FieldChange> fields) {
        public Change {
            fields = List.copyOf(fields);
        }
    }

    /** One field of a rule, before and after, both as the plan prints them. */
    public record FieldChange(String field, String before, String after) {
        @Override
        public String toString() {
            return field + " " + before + " → " + after;
        }
    }

    /**
     * The difference between the catalogue and a rule file.
     *
     * @param current the catalogue's rules by name, as {@link RuleCatalog#read()} returns them
     * @param desired the rules of a checked file
     */
    public static RuleDiff between(Map<String, Rule> current, Collection<AlertRule> desired) {
        List<AlertRule> added = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        Set<String> unchanged = new TreeSet<>();
        Set<String> wanted = new TreeSet<>();
        for (AlertRule rule : desired) {
            wanted.add(rule.name());
            Rule now = current.get(rule.name());
            if (now == null) {
                added.add(rule);
                continue;
            }
            List<FieldChange> fields = compare(now, rule.toAvro(Instant.EPOCH, null));
            if (fields.isEmpty()) {
                unchanged.add(rule.name());
            } else {
                changed.add(new Change(rule, fields));
            }
        }
        List<String> removed = current.keySet().stream().filter(n -> !wanted.contains(n)).sorted().toList();
        return new RuleDiff(added, changed, removed, List.copyOf(unchanged));
    }

    /** Nothing to add, change or remove. */
    public boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && removed.isEmpty();
    }

    /**
     * The plan, one line per rule added or removed and per field changed:
     * {@code + disk-full-critical: disk_used_percent > 95, critical → pagerduty},
     * {@code ~ high-cpu-warning: duration 5m → 10m}, {@code - old-rule}.
     */
    public List<String> plan() {
        List<String> lines = new ArrayList<>();
        for (AlertRule r : added) {
            lines.add("+ " + r.name() + ": " + r.conditionText().replaceAll("\\s+", " ")
                    + (r.duration().isZero() ? "" : " for " + RuleDurations.format(r.duration())) + ", "
                    + r.severity().name().toLowerCase(Locale.ROOT)
                    + (r.channels().isEmpty() ? "" : " → " + String.join(", ", r.channels())));
        }
        for (Change c : changed) {
            for (FieldChange f : c.fields()) {
                lines.add("~ " + c.rule().name() + ": " + f);
            }
        }
        for (String name : removed) {
            lines.add("- " + name);
        }
        return lines;
    }

    /** {@code 1 to add, 2 to change, 0 to remove, 3 unchanged}. */
    public String summary() {
        return added.size() + " to add, " + changed.size() + " to change, " + removed.size() + " to remove, "
                + unchanged.size() + " unchanged";
    }

    @Override
    public String toString() {
        List<String> lines = new ArrayList<>(plan());
        lines.add(summary());
        return String.join("\n", lines);
    }

    private static List<FieldChange> compare(Rule before, Rule after) {
        List<FieldChange> out = new ArrayList<>();
        if (!before.getCondition().equals(after.getCondition())) {
            out.add(new FieldChange("condition", quote(before.getCondition()), quote(after.getCondition())));
        }
        if (before.getDurationMs() != after.getDurationMs()) {
            out.add(new FieldChange("duration", duration(before.getDurationMs()), duration(after.getDurationMs())));
        }
        if (before.getWindowMs() != after.getWindowMs()) {
            out.add(new FieldChange("window", duration(before.getWindowMs()), duration(after.getWindowMs())));
        }
        if (before.getSeverity() != after.getSeverity()) {
            out.add(new FieldChange("severity", before.getSeverity().name().toLowerCase(Locale.ROOT),
                    after.getSeverity().name().toLowerCase(Locale.ROOT)));
        }
        if (!before.getChannels().equals(after.getChannels())) {
            out.add(new FieldChange("channels", "[" + String.join(", ", before.getChannels()) + "]",
                    "[" + String.join(", ", after.getChannels()) + "]"));
        }
        compareMaps("labels", before.getLabels(), after.getLabels(), out);
        compareMaps("annotations", before.getAnnotations(), after.getAnnotations(), out);
        Map<String, String> overridesBefore = overrides(before.getOverrides());
        Map<String, String> overridesAfter = overrides(after.getOverrides());
        for (String region : union(overridesBefore.keySet(), overridesAfter.keySet())) {
            String b = overridesBefore.getOrDefault(region, "(none)");
            String a = overridesAfter.getOrDefault(region, "(none)");
            if (!a.equals(b)) {
                out.add(new FieldChange("override " + region, b, a));
            }
        }
        return out;
    }

    private static void compareMaps(String what, Map<String, String> before, Map<String, String> after,
                                    List<FieldChange> out) {
        for (String key : union(before.keySet(), after.keySet())) {
            String b = before.get(key);
            String a = after.get(key);
            if (!Objects.equals(a, b)) {
                out.add(new FieldChange(what + "." + key, b == null ? "(none)" : quote(b), a == null ? "(none)" : quote(a)));
            }
        }
    }

    private static Map<String, String> overrides(List<RuleOverride> overrides) {
        Map<String, String> out = new LinkedHashMap<>();
        for (RuleOverride o : overrides) {
            List<String> parts = new ArrayList<>();
            if (o.getThreshold() != null) {
                parts.add("threshold " + Comparison.renderNumber(o.getThreshold()));
            }
            if (o.getDurationMs() != null) {
                parts.add("duration " + duration(o.getDurationMs()));
            }
            out.put(o.getRegion(), String.join(", ", parts));
        }
        return out;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static String duration(long ms) {
        return RuleDurations.format(Duration.ofMillis(ms));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /** The fields of {@link Rule} compared, and those that are not: a test checks they cover the whole schema. */
    static final Set<String> COMPARED_FIELDS = Set.of("condition", "duration_ms", "window_ms", "severity", "channels",
            "labels", "annotations", "overrides");
    static final Set<String> NOT_COMPARED_FIELDS = Set.of("name", "updated_at", "updated_by");
}
