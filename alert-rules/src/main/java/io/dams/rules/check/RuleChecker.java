package io.dams.rules.check;

import io.dams.rules.AlertRule;
import io.dams.rules.RegionOverride;
import io.dams.rules.RuleDurations;
import io.dams.rules.lang.Condition;
import io.dams.rules.lang.ConditionError;
import io.dams.rules.lang.ConditionParser;
import io.dams.rules.lang.ParsedCondition;
import io.dams.rules.lang.Spelling;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.names.PrometheusNames;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads rule documents and checks every rule, collecting every problem (not only the first) with its line and column
 * in the source, as a compiler does. Positions inside a condition are positions in the file, also for conditions
 * written as YAML multi-line or quoted strings.
 *
 * <p>A rule document is {@code rules:} followed by a list of rules; each rule has {@code name}, {@code condition},
 * {@code severity} and optionally {@code duration} (default 0), {@code window} (default 1m), {@code channels},
 * {@code labels}, {@code annotations} and {@code overrides} (a list of {@code region} with {@code threshold} and/or
 * {@code duration}).
 */
public final class RuleChecker {

    /** The channel kinds the notifier knows, for callers without a central configuration at hand. */
    public static final Set<String> STANDARD_CHANNELS = Set.of("email", "pagerduty", "slack", "webhook");

    private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");
    private static final int MAX_RULE_NAME = 200;
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");
    private static final List<String> DOCUMENT_FIELDS = List.of("rules");
    private static final List<String> RULE_FIELDS = List.of("name", "condition", "duration", "window", "severity",
            "channels", "labels", "annotations", "overrides");
    private static final List<String> OVERRIDE_FIELDS = List.of("region", "threshold", "duration");
    private static final String SEVERITIES = Arrays.stream(Severity.values())
            .map(s -> s.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "));

    private final Set<String> knownChannels;

    /** @param knownChannels the channel names rules may use (from the central configuration) */
    public RuleChecker(Set<String> knownChannels) {
        this.knownChannels = new TreeSet<>(knownChannels);
    }

    /** Checks a rule document ({@code rules: [...]}). */
    public RuleFile check(String text, String source) {
        Run run = new Run(text, source);
        run.document();
        return new RuleFile(source, run.rules, run.problems);
    }

    /** Checks one rule object (YAML or JSON), e.g. the body of {@code PUT /api/v2/rules/{name}}. */
    public RuleFile checkRule(String text, String source) {
        Run run = new Run(text, source);
        run.single();
        return new RuleFile(source, run.rules, run.problems);
    }

    /** One check of one text. */
    private final class Run {

        private final String source;
        private final String text;
        private final SourceText sourceText;
        private final List<AlertRule> rules = new ArrayList<>();
        private final List<Problem> problems = new ArrayList<>();
        private final Map<String, ScalarNode> ruleNames = new HashMap<>();

        Run(String text, String source) {
            this.source = source;
            this.text = text.startsWith("\uFEFF") ? text.substring(1) : text;
            this.sourceText = new SourceText(this.text);
        }

        void document() {
            Optional<Node> root = compose();
            if (root.isEmpty()) {
                return;
            }
            if (!(root.get() instanceof MappingNode top)) {
                problem(root.get(), "", "a rule file is a mapping with a rules: list at the top, found " + kind(root.get()));
                return;
            }
            int before = problems.size();
            Map<String, NodeTuple> fields = fields(top, "", DOCUMENT_FIELDS, "the rule file");
            NodeTuple rulesField = fields.get("rules");
            if (rulesField == null) {
                if (problems.size() == before) {
                    problem(top, "", "the file has no rules: list; write rules: followed by the rules, or rules: []"
                            + " to remove every rule");
                }
                return;
            }
            Node list = rulesField.getValueNode();
            if (!(list instanceof SequenceNode sequence)) {
                problem(list, "rules", "rules is a list: write each rule as '- name: ...' under it, or rules: [] to"
                        + " remove every rule; found " + kind(list));
                return;
            }
            for (int i = 0; i < sequence.getValue().size(); i++) {
                rule(sequence.getValue().get(i), "rules[" + i + "]").ifPresent(rules::add);
            }
        }

        void single() {
            compose().ifPresent(root -> rule(root, "").ifPresent(rules::add));
        }

        private Optional<Node> compose() {
            if (text.isBlank()) {
                problems.add(new Problem(source, 1, 1, "", "the file is empty; write rules: followed by the rules, or"
                        + " rules: [] to remove every rule"));
                return Optional.empty();
            }
            LoaderOptions options = new LoaderOptions();
            options.setProcessComments(false);
            try {
                Node root = new Yaml(options).compose(new StringReader(text));
                if (root == null) {
                    problems.add(new Problem(source, 1, 1, "", "the file has no YAML document; write rules: followed"
                            + " by the rules"));
                }
                return Optional.ofNullable(root);
            } catch (MarkedYAMLException e) {
                Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
                String context = e.getContext() != null && e.getContextMark() != null
                        ? " (" + e.getContext() + " at line " + (e.getContextMark().getLine() + 1) + ")" : "";
                String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
                String hint = problem.contains("TAB") ? "; indent with spaces, YAML forbids tabs there" : "";
                problemAt(mark, "", "invalid YAML: " + problem + context + hint);
                return Optional.empty();
            } catch (YAMLException e) {
                problems.add(new Problem(source, 1, 1, "", "invalid YAML: " + e.getMessage()));
                return Optional.empty();
            }
        }

        private Optional<AlertRule> rule(Node node, String path) {
            if (!(node instanceof MappingNode mapping)) {
                problem(node, path, "a rule is a mapping (name:, condition:, severity:, ...), found " + kind(node));
                return Optional.empty();
            }
            int before = problems.size();
            Map<String, NodeTuple> f = fields(mapping, path, RULE_FIELDS, "a rule");

            String owner = ruleOwner(mapping);
            String name = required(owner, mapping, f, "name", path, "e.g. name: high-cpu-warning")
                    .flatMap(n -> ruleName(n, at(path, "name")))
                    .orElse(null);
            String label = name == null ? "the rule" : "rule '" + name + "'";

            Optional<ScalarNode> conditionNode = required(owner, mapping, f, "condition", path,
                    "e.g. condition: avg(cpu_percent) > 90");
            Condition condition = conditionNode.flatMap(n -> condition(n, at(path, "condition"))).orElse(null);

            Duration duration = duration(f.get("duration"), at(path, "duration"), Duration.ZERO, true);
            Duration window = duration(f.get("window"), at(path, "window"), AlertRule.DEFAULT_WINDOW, false);
            Severity severity = required(owner, mapping, f, "severity", path,
                    "e.g. severity: warning (one of " + SEVERITIES + ")")
                    .flatMap(n -> severity(n, at(path, "severity"))).orElse(null);
            List<String> channels = channels(f.get("channels"), at(path, "channels"));
            Map<String, String> labels = labelMap(f.get("labels"), at(path, "labels"), "labels");
            Map<String, String> annotations = labelMap(f.get("annotations"), at(path, "annotations"), "annotations");
            List<RegionOverride> overrides = overrides(f.get("overrides"), at(path, "overrides"), condition, label);

            if (problems.size() > before) {
                return Optional.empty();
            }
            return Optional.of(new AlertRule(name, conditionNode.get().getValue().strip(), condition, duration, window,
                    severity, channels, labels, annotations, overrides));
        }

        private Optional<String> ruleName(ScalarNode node, String path) {
            String name = node.getValue();
            if (name.length() > MAX_RULE_NAME || !RULE_NAME.matcher(name).matches()) {
                problem(node, path, "rule name '" + name + "' is not allowed: use letters, digits and _ . : -,"
                        + " starting with a letter or digit, at most " + MAX_RULE_NAME + " chars, e.g."
                        + " high-cpu-warning");
                return Optional.empty();
            }
            ScalarNode first = ruleNames.putIfAbsent(name, node);
            if (first != null) {
                problem(node, path, "duplicate rule name '" + name + "', first used at line "
                        + (first.getStartMark().getLine() + 1) + ": rule names key the dams.rules topic and must be"
                        + " unique; rename one");
                return Optional.empty();
            }
            return Optional.of(name);
        }

        private Optional<Condition> condition(ScalarNode node, String path) {
            String value = node.getValue();
            ParsedCondition parsed = ConditionParser.parse(value);
            if (parsed.ok()) {
                return parsed.condition();
            }
            SourceText.ScalarPositions positions = sourceText.scalar(node);
            for (ConditionError e : parsed.errors()) {
                SourceText.Position p = positions.at(e.offset());
                problems.add(new Problem(source, p.line(), p.column(), path, e.message()));
            }
            return Optional.empty();
        }

        private Duration duration(NodeTuple field, String path, Duration absent, boolean zeroAllowed) {
            if (field == null) {
                return absent;
            }
            Optional<ScalarNode> node = scalar(field, path, "a duration such as 5m");
            if (node.isEmpty()) {
                return absent;
            }
            try {
                Duration d = RuleDurations.parse(node.get().getValue());
                if (!zeroAllowed && d.isZero()) {
                    problem(node.get(), path, "the window must be longer than 0: the aggregates need samples to run"
                            + " over; write e.g. 1m (the default) or 5m");
                }
                return d;
            } catch (IllegalArgumentException e) {
                problem(node.get(), path, "bad " + field(path) + ": " + e.getMessage());
                return absent;
            }
        }

        private Optional<Severity> severity(ScalarNode node, String path) {
            String value = node.getValue().strip();
            for (Severity s : Severity.values()) {
                if (s.name().equalsIgnoreCase(value)) {
                    return Optional.of(s);
                }
            }
            List<String> names = Arrays.stream(Severity.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList();
            problem(node, path, "unknown severity '" + value + "'; "
                    + Spelling.nearest(value, names).map(s -> "did you mean '" + s + "'? The severities are ")
                    .orElse("use one of ") + SEVERITIES);
            return Optional.empty();
        }

        private List<String> channels(NodeTuple field, String path) {
            if (field == null) {
                return List.of();
            }
            Node value = field.getValueNode();
            if (value instanceof ScalarNode s && !isNull(s)) {
                problem(value, path, "channels is a list: write channels: [" + s.getValue() + "]");
                return List.of();
            }
            if (!(value instanceof SequenceNode sequence)) {
                problem(value.getStartMark(), path, "channels is a list of channel names, e.g. channels: [slack,"
                        + " email]; found " + kind(value) + "; remove the key for a rule without notifications");
                return List.of();
            }
            List<String> channels = new ArrayList<>();
            Map<String, ScalarNode> seen = new HashMap<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                Node item = sequence.getValue().get(i);
                String itemPath = path + "[" + i + "]";
                Optional<ScalarNode> channel = scalar(item, itemPath, "a channel name");
                if (channel.isEmpty()) {
                    continue;
                }
                String name = channel.get().getValue().strip();
                if (!knownChannels.contains(name)) {
                    problem(item, itemPath, "unknown channel '" + name + "'; "
                            + Spelling.nearest(name, knownChannels).map(s -> "did you mean '" + s + "'? ").orElse("")
                            + (knownChannels.isEmpty() ? "no channels are configured; configure one in the central"
                            + " configuration (alerting:) or remove it here"
                            : "the configured channels are " + String.join(", ", knownChannels)
                            + " (from the central configuration)"));
                    continue;
                }
                ScalarNode first = seen.putIfAbsent(name, channel.get());
                if (first != null) {
                    problem(item, itemPath, "channel '" + name + "' is listed twice (first at line "
                            + (first.getStartMark().getLine() + 1) + "): remove one");
                    continue;
                }
                channels.add(name);
            }
            return channels;
        }

        private Map<String, String> labelMap(NodeTuple field, String path, String what) {
            if (field == null) {
                return Map.of();
            }
            Node value = field.getValueNode();
            if (!(value instanceof MappingNode mapping)) {
                problem(value, path, what + " is a mapping of names to values, e.g. " + what
                        + (what.equals("labels") ? ": {team: storage}" : ": {summary: \"...\"}") + "; found "
                        + kind(value));
                return Map.of();
            }
            Map<String, String> out = new LinkedHashMap<>();
            for (NodeTuple t : uniqueTuples(mapping, path)) {
                String key = ((ScalarNode) t.getKeyNode()).getValue();
                String keyPath = path + "." + key;
                if (key.startsWith("__") || !PrometheusNames.isLabelName(key)) {
                    problem(t.getKeyNode(), keyPath, "'" + key + "' cannot be a name in " + what + ": names match"
                            + " [a-zA-Z_][a-zA-Z0-9_]* and do not start with __"
                            + (PrometheusNames.isLabelName(key.replaceAll("[.\\-:]", "_"))
                            ? "; did you mean '" + key.replaceAll("[.\\-:]", "_") + "'?" : ""));
                    continue;
                }
                Node v = t.getValueNode();
                if (!(v instanceof ScalarNode s) || isNull(s)) {
                    problem(v, keyPath, what + "." + key + " needs a text value, found " + kind(v)
                            + "; quote it if it is meant as text");
                    continue;
                }
                out.put(key, s.getValue());
            }
            return out;
        }

        private List<RegionOverride> overrides(NodeTuple field, String path, Condition condition, String rule) {
            if (field == null) {
                return List.of();
            }
            Node value = field.getValueNode();
            if (!(value instanceof SequenceNode sequence)) {
                problem(value, path, "overrides is a list, e.g. overrides: [{region: eu-west-1, threshold: 80}];"
                        + " found " + kind(value));
                return List.of();
            }
            List<RegionOverride> out = new ArrayList<>();
            Map<String, ScalarNode> regions = new HashMap<>();
            for (int i = 0; i < sequence.getValue().size(); i++) {
                Node item = sequence.getValue().get(i);
                String itemPath = path + "[" + i + "]";
                if (!(item instanceof MappingNode mapping)) {
                    problem(item, itemPath, "an override is a mapping with region and threshold and/or duration,"
                            + " found " + kind(item));
                    continue;
                }
                int before = problems.size();
                Map<String, NodeTuple> f = fields(mapping, itemPath, OVERRIDE_FIELDS, "an override");
                Optional<ScalarNode> regionNode = required("the override at line " + line(mapping), mapping, f,
                        "region", itemPath, "e.g. region: eu-west-1");
                String region = regionNode.map(n -> n.getValue().strip()).orElse(null);
                if (regionNode.isPresent()) {
                    ScalarNode first = regions.putIfAbsent(region, regionNode.get());
                    if (first != null) {
                        problem(regionNode.get(), at(itemPath, "region"), "region '" + region + "' is overridden"
                                + " twice in " + rule + " (first at line " + (first.getStartMark().getLine() + 1)
                                + "): merge the two overrides into one");
                    }
                }
                OptionalDouble threshold = OptionalDouble.empty();
                NodeTuple thresholdField = f.get("threshold");
                if (thresholdField != null) {
                    threshold = threshold(thresholdField, at(itemPath, "threshold"), condition);
                }
                Optional<Duration> duration = Optional.empty();
                if (f.containsKey("duration")) {
                    Duration d = duration(f.get("duration"), at(itemPath, "duration"), null, true);
                    duration = Optional.ofNullable(d);
                }
                if (thresholdField == null && !f.containsKey("duration")) {
                    problem(mapping, itemPath, "the override" + (region == null ? "" : " for region '" + region + "'")
                            + " changes nothing: give it a threshold, a duration or both");
                }
                if (problems.size() == before) {
                    out.add(new RegionOverride(region, threshold, duration));
                }
            }
            return out;
        }

        private OptionalDouble threshold(NodeTuple field, String path, Condition condition) {
            Optional<ScalarNode> node = scalar(field, path, "a number");
            if (node.isEmpty()) {
                return OptionalDouble.empty();
            }
            String v = node.get().getValue().strip();
            if (!NUMBER.matcher(v).matches() || !Double.isFinite(Double.parseDouble(v))) {
                problem(node.get(), path, "threshold '" + v + "' is not a finite number; write e.g. threshold: 80");
                return OptionalDouble.empty();
            }
            if (condition != null && condition.comparisons().size() != 1) {
                int n = condition.comparisons().size();
                problem(field.getKeyNode(), path, "a threshold override needs a condition with exactly one threshold,"
                        + " and '" + condition.render() + "' has " + (n == 0 ? "none" : n) + "; override the"
                        + " duration only, or split the rule into rules with one comparison each");
                return OptionalDouble.empty();
            }
            return OptionalDouble.of(Double.parseDouble(v));
        }

        /** The mapping's fields by name, reporting unknown and repeated keys. */
        private Map<String, NodeTuple> fields(MappingNode mapping, String path, List<String> allowed, String what) {
            Map<String, NodeTuple> out = new LinkedHashMap<>();
            for (NodeTuple t : uniqueTuples(mapping, path)) {
                String key = ((ScalarNode) t.getKeyNode()).getValue();
                if (!allowed.contains(key)) {
                    problem(t.getKeyNode(), at(path, key), "unknown field '" + key + "' in " + what + "; "
                            + Spelling.nearest(key, allowed).map(s -> "did you mean '" + s + "'? ").orElse("")
                            + "the fields are " + String.join(", ", allowed));
                    continue;
                }
                out.put(key, t);
            }
            return out;
        }

        /** The tuples with a text key, each key once; reports the others. */
        private List<NodeTuple> uniqueTuples(MappingNode mapping, String path) {
            List<NodeTuple> out = new ArrayList<>();
            Map<String, Node> seen = new HashMap<>();
            for (NodeTuple t : mapping.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode key) || isNull(key)) {
                    problem(t.getKeyNode(), path, "keys are plain names, found " + kind(t.getKeyNode()));
                    continue;
                }
                Node first = seen.putIfAbsent(key.getValue(), key);
                if (first != null) {
                    problem(key, at(path, key.getValue()), "'" + key.getValue() + "' is given twice (first at line "
                            + (first.getStartMark().getLine() + 1) + "); keep one");
                    continue;
                }
                out.add(t);
            }
            return out;
        }

        private Optional<ScalarNode> required(String owner, MappingNode mapping, Map<String, NodeTuple> fields,
                                              String name, String path, String example) {
            NodeTuple t = fields.get(name);
            if (t == null) {
                problem(mapping, at(path, name), owner + " has no " + name + "; add " + example);
                return Optional.empty();
            }
            return scalar(t, at(path, name), example.replaceFirst("^e\\.g\\. ", ""));
        }

        private Optional<ScalarNode> scalar(NodeTuple t, String path, String expected) {
            Node value = t.getValueNode();
            if (value instanceof ScalarNode s && isNull(s)) {
                problem(t.getKeyNode(), path, field(path) + " is empty; write " + expected);
                return Optional.empty();
            }
            return scalar(value, path, expected);
        }

        private Optional<ScalarNode> scalar(Node value, String path, String expected) {
            if (value instanceof ScalarNode s && !isNull(s)) {
                return Optional.of(s);
            }
            problem(value, path, field(path) + " must be " + expected + ", found " + kind(value));
            return Optional.empty();
        }

        /** {@code rule 'x'} when the rule has a name, else {@code the rule at line N}. */
        private String ruleOwner(MappingNode mapping) {
            for (NodeTuple t : mapping.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("name")
                        && t.getValueNode() instanceof ScalarNode v && !isNull(v)) {
                    return "rule '" + v.getValue() + "'";
                }
            }
            return "the rule at line " + line(mapping);
        }

        private void problem(Node node, String path, String message) {
            problemAt(node.getStartMark(), path, message);
        }

        private void problem(Mark mark, String path, String message) {
            problemAt(mark, path, message);
        }

        private void problemAt(Mark mark, String path, String message) {
            if (mark == null) {
                problems.add(new Problem(source, 1, 1, path, message));
                return;
            }
            SourceText.Position p = sourceText.position(mark);
            problems.add(new Problem(source, p.line(), p.column(), path, message));
        }
    }

    private static String at(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** The last part of a path: {@code duration} of {@code rules[0].overrides[1].duration}. */
    private static String field(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private static int line(Node node) {
        return node.getStartMark().getLine() + 1;
    }

    private static boolean isNull(ScalarNode node) {
        return node.getTag().equals(Tag.NULL);
    }

    private static String kind(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) node;
        return isNull(s) ? "nothing" : "'" + s.getValue() + "'";
    }
}
