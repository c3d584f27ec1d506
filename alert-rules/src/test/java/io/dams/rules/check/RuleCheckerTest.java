package io.dams.rules.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.rules.AlertRule;
import io.dams.rules.RegionOverride;
import io.dams.rules.lang.Condition;
import io.dams.schemas.avro.Severity;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RuleCheckerTest {

    private static final RuleChecker CHECKER = new RuleChecker(Set.of("slack", "email", "pagerduty", "ops-webhook"));

    private static RuleFile check(String yaml) {
        return CHECKER.check(yaml, "policies.yaml");
    }

    /** The file's problems as {@code line:column field: message}. */
    private static List<String> problems(String yaml) {
        return check(yaml).problems().stream()
                .map(p -> p.line() + ":" + p.column() + " " + p.field() + ": " + p.message()).toList();
    }

    private static void assertOnlyProblem(String yaml, String where, String messageStart) {
        List<String> problems = problems(yaml);
        assertThat(problems).as("problems").hasSize(1);
        assertThat(problems.get(0)).startsWith(where + ": " + messageStart);
    }

    private static String rule(String... lines) {
        StringBuilder out = new StringBuilder("rules:\n");
        for (int i = 0; i < lines.length; i++) {
            out.append(i == 0 ? "  - " : "    ").append(lines[i]).append('\n');
        }
        return out.toString();
    }

    // --- a good file ------------------------------------------------------------------------------------------------

    @Test
    void shouldReadEveryFieldOfAGoodRuleAndApplyDefaults() {
        RuleFile file = check("""
                rules:
                  - name: high-cpu-warning
                    condition: avg(cpu_percent) > 90
                    duration: 5m
                    severity: warning
                    channels: [slack, email]
                  - name: everything
                    condition: |
                      max(memory_used_percent{region=~"eu-.*"}) >= 97.5
                    duration: 1h30m
                    window: 10m
                    severity: CRITICAL
                    channels:
                      - pagerduty
                    labels: {team: storage}
                    annotations:
                      summary: "Memory is nearly full"
                    overrides:
                      - region: eu-west-1
                        threshold: 99
                      - {region: eu-central-1, duration: 2h}
                """);
        assertThat(file.problems()).isEmpty();
        assertThat(file.ok()).isTrue();
        AlertRule seed = file.rules().get(0);
        assertThat(seed).isEqualTo(new AlertRule("high-cpu-warning", "avg(cpu_percent) > 90",
                Condition.parse("avg(cpu_percent) > 90"), Duration.ofMinutes(5), Duration.ofMinutes(1),
                Severity.WARNING, List.of("slack", "email"), Map.of(), Map.of(), List.of()));
        AlertRule all = file.rules().get(1);
        assertThat(all.conditionText()).isEqualTo("max(memory_used_percent{region=~\"eu-.*\"}) >= 97.5");
        assertThat(all.duration()).isEqualTo(Duration.ofMinutes(90));
        assertThat(all.window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(all.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(all.channels()).containsExactly("pagerduty");
        assertThat(all.labels()).containsExactly(Map.entry("team", "storage"));
        assertThat(all.annotations()).containsExactly(Map.entry("summary", "Memory is nearly full"));
        assertThat(all.overrides()).containsExactly(
                new RegionOverride("eu-west-1", OptionalDouble.of(99), Optional.empty()),
                new RegionOverride("eu-central-1", OptionalDouble.empty(), Optional.of(Duration.ofHours(2))));
    }

    @Test
    void shouldCheckOneRuleObjectAsTheApiSendsIt() {
        RuleFile one = CHECKER.checkRule("{\"name\": \"r\", \"condition\": \"median(x) > 1\", \"severity\": \"info\"}",
                "request");
        assertThat(one.problems()).extracting(Problem::toString)
                .containsExactly("request:1:29: error: unknown aggregate 'median'; the aggregates are avg, min, max,"
                        + " sum, count, last, rate, deriv, and absent(...) is a condition of its own");
        assertThat(one.problems().get(0).field()).isEqualTo("condition");
        assertThat(CHECKER.checkRule("name: r\ncondition: x > 1\nseverity: info\n", "request").rules()).hasSize(1);
    }

    @Test
    void shouldAcceptAnExplicitlyEmptyRuleList() {
        RuleFile file = check("rules: []\n");
        assertThat(file.ok()).isTrue();
        assertThat(file.rules()).isEmpty();
    }

    // --- positions of condition errors in every YAML scalar style ----------------------------------------------------

    @Test
    void shouldPlaceConditionErrorsInAPlainScalar() {
        assertOnlyProblem(rule("name: a", "condition: median(cpu_percent) > 90", "severity: warning"),
                "3:16 rules[0].condition", "unknown aggregate 'median'");
    }

    @Test
    void shouldPlaceConditionErrorsInADoubleQuotedScalar() {
        assertOnlyProblem(rule("name: a", "condition: \"avg(cpu.percent) > 1\"", "severity: warning"),
                "3:21 rules[0].condition", "metric name 'cpu.percent' cannot exist");
    }

    @Test
    void shouldPlaceConditionErrorsInASingleQuotedScalarThroughDoubledQuotes() {
        assertOnlyProblem(rule("name: a", "condition: 'x{a=''b'', c=~''*''} > 1'", "severity: warning"),
                "3:33 rules[0].condition", "invalid regular expression for label 'c': Dangling meta character");
    }

    @Test
    void shouldPlaceConditionErrorsInALiteralBlock() {
        assertOnlyProblem("""
                rules:
                  - name: d
                    condition: |
                      avg(cpu_percent) > 90
                      and median(memory_used_percent) > 80
                    severity: warning
                """, "5:11 rules[0].condition", "unknown aggregate 'median'");
    }

    @Test
    void shouldPlaceAnEarlyEndAfterTheLastCharOfAFoldedBlock() {
        assertOnlyProblem("""
                rules:
                  - name: e
                    condition: >-
                      avg(cpu_percent) > 90
                      and max(memory_used_percent) >
                    severity: warning
                """, "5:37 rules[0].condition", "expected a number after '>', found the end of the condition");
    }

    @Test
    void shouldPlaceConditionErrorsInAMultiLinePlainScalar() {
        assertOnlyProblem("""
                rules:
                  - name: f
                    condition: avg(cpu_percent) > 90
                      or agv(x) > 1
                    severity: warning
                """, "4:10 rules[0].condition", "unknown aggregate 'agv'; did you mean 'avg'?");
    }

    @Test
    void shouldPlaceConditionErrorsInAMultiLineDoubleQuotedScalarWithEscapes() {
        assertOnlyProblem("""
                rules:
                  - name: g
                    condition: "x{a=~\\"\\\\\\\\d+\\"} > 1 and
                      median(y) > 2"
                    severity: warning
                """, "4:7 rules[0].condition", "unknown aggregate 'median'");
        assertOnlyProblem(rule("name: g", "condition: \"x{a=~\\\"\\\\\\\\d(\\\"} > 1\"", "severity: info"),
                "3:31 rules[0].condition", "invalid regular expression for label 'a': Unclosed group");
    }

    @Test
    void shouldCountColumnsInCodePoints() {
        List<String> problems = problems("""
                rules:
                  - {labels: {k: "\uD83D\uDE00"}, name: e, condition: median(x) > 1, severity: info}
                """);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("2:44 rules[0].condition: unknown aggregate 'median'");
    }

    @Test
    void shouldCountLinesOverWindowsLineEndings() {
        List<String> problems = problems("rules:\r\n  - name: a\r\n    condition: |\r\n      x > 1 and\r\n"
                + "      median(y) > 2\r\n    severity: info\r\n");
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("5:7 rules[0].condition: unknown aggregate 'median'");
    }

    @Test
    void shouldReportEveryErrorOfOneCondition() {
        assertThat(problems(rule("name: a", "condition: median(cpu.percent) > 1 or y{__a=\"\"} > 2", "severity: info")))
                .extracting(p -> p.substring(0, p.indexOf(' ')))
                .containsExactly("3:16", "3:23", "3:45");
    }

    // --- every problem kind -----------------------------------------------------------------------------------------

    @Test
    void shouldReportYamlSyntaxErrorsWithTheirPosition() {
        List<String> problems = problems("""
                rules:
                  - name: a
                    condition: x > 1
                   severity: info
                """);
        assertThat(problems).hasSize(1);
        assertThat(problems.get(0)).startsWith("4:4 : invalid YAML: ");
    }

    @Test
    void shouldExplainTabs() {
        assertThat(problems("rules:\n\t- name: a\n")).singleElement().asString()
                .startsWith("2:1 : invalid YAML: ").contains("indent with spaces");
    }

    @Test
    void shouldReportAnEmptyFileAndAFileWithoutRules() {
        assertOnlyProblem("\n# nothing\n", "1:1 ", "the file has no YAML document");
        assertOnlyProblem("", "1:1 ", "the file is empty");
        assertOnlyProblem("- name: x\n", "1:1 ", "a rule file is a mapping with a rules: list at the top, found a list");
        assertOnlyProblem("rules:\n", "1:7 rules", "rules is a list");
        assertOnlyProblem("rules: {name: a}\n", "1:8 rules", "rules is a list");
    }

    @Test
    void shouldReportUnknownFieldsWithASuggestion() {
        assertOnlyProblem("rule: []\n", "1:1 rule", "unknown field 'rule' in the rule file; did you mean 'rules'?");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "duraton: 5m"),
                "5:5 rules[0].duraton", "unknown field 'duraton' in a rule; did you mean 'duration'? the fields are"
                        + " name, condition, duration, window, severity, channels, labels, annotations, overrides");
    }

    @Test
    void shouldReportRepeatedKeys() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "condition: y > 2"),
                "5:5 rules[0].condition", "'condition' is given twice (first at line 3); keep one");
    }

    @Test
    void shouldReportARuleThatIsNotAMapping() {
        assertOnlyProblem("rules:\n  - just-a-name\n", "2:5 rules[0]", "a rule is a mapping (name:, condition:,"
                + " severity:, ...), found 'just-a-name'");
    }

    @Test
    void shouldReportMissingAndEmptyFields() {
        assertThat(problems("rules:\n  - duration: 5m\n")).containsExactly(
                "2:5 rules[0].name: the rule at line 2 has no name; add e.g. name: high-cpu-warning",
                "2:5 rules[0].condition: the rule at line 2 has no condition; add e.g. condition: avg(cpu_percent) > 90",
                "2:5 rules[0].severity: the rule at line 2 has no severity; add e.g. severity: warning (one of info,"
                        + " warning, critical)");
        assertOnlyProblem(rule("name: a", "condition:", "severity: info"), "3:5 rules[0].condition",
                "condition is empty; write condition: avg(cpu_percent) > 90");
        assertOnlyProblem(rule("name: a", "condition: [x > 1]", "severity: info"), "3:16 rules[0].condition",
                "condition must be condition: avg(cpu_percent) > 90, found a list");
    }

    @Test
    void shouldReportBadAndDuplicateRuleNames() {
        assertOnlyProblem(rule("name: high cpu!", "condition: x > 1", "severity: info"), "2:11 rules[0].name",
                "rule name 'high cpu!' is not allowed");
        String twice = rule("name: a", "condition: x > 1", "severity: info")
                + "  - name: b\n    condition: x > 1\n    severity: info\n"
                + "  - name: a\n    condition: y > 1\n    severity: info\n";
        assertOnlyProblem(twice, "8:11 rules[2].name", "duplicate rule name 'a', first used at line 2: rule names"
                + " key the dams.rules topic and must be unique; rename one");
        assertThat(check(twice).rules()).extracting(AlertRule::name).containsExactly("a", "b");
    }

    @Test
    void shouldReportBadDurationsAndWindows() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "duration: 5 minutes"),
                "5:15 rules[0].duration", "bad duration: '5 minutes' is not a duration; write e.g. 30s, 5m, 1h or"
                        + " 1h30m (units ms, s, m, h, d, w, y)");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "duration: -5m"),
                "5:15 rules[0].duration", "bad duration: '-5m' is negative");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "duration: 30m1h"),
                "5:15 rules[0].duration", "bad duration: '30m1h' repeats a unit or lists units out of order");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "window: 0"),
                "5:13 rules[0].window", "the window must be longer than 0");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "window: 1x"),
                "5:13 rules[0].window", "bad window: '1x' is not a duration");
        assertThat(check(rule("name: a", "condition: x > 1", "severity: info", "duration: 0")).rules().get(0).duration())
                .isZero();
    }

    @Test
    void shouldReportAnUnknownSeverity() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: critcal"), "4:15 rules[0].severity",
                "unknown severity 'critcal'; did you mean 'critical'? The severities are info, warning, critical");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: page"), "4:15 rules[0].severity",
                "unknown severity 'page'; use one of info, warning, critical");
    }

    @Test
    void shouldReportUnknownDuplicateAndMisshapenChannels() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "channels: [slack, pagerdty]"),
                "5:23 rules[0].channels[1]", "unknown channel 'pagerdty'; did you mean 'pagerduty'? the configured"
                        + " channels are email, ops-webhook, pagerduty, slack (from the central configuration)");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "channels: [slack, slack]"),
                "5:23 rules[0].channels[1]", "channel 'slack' is listed twice (first at line 5): remove one");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "channels: slack"),
                "5:15 rules[0].channels", "channels is a list: write channels: [slack]");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "channels: {slack: yes}"),
                "5:15 rules[0].channels", "channels is a list of channel names");
        RuleFile noChannels = new RuleChecker(Set.of()).check(
                rule("name: a", "condition: x > 1", "severity: info", "channels: [slack]"), "f");
        assertThat(noChannels.problems()).singleElement().extracting(Problem::message).asString()
                .contains("no channels are configured");
    }

    @Test
    void shouldReportBadLabelsAndAnnotations() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "labels: {team-name: x}"),
                "5:14 rules[0].labels.team-name", "'team-name' cannot be a name in labels: names match"
                        + " [a-zA-Z_][a-zA-Z0-9_]* and do not start with __; did you mean 'team_name'?");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "labels: {__x: y}"),
                "5:14 rules[0].labels.__x", "'__x' cannot be a name in labels");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "annotations: {summary: [a]}"),
                "5:28 rules[0].annotations.summary", "annotations.summary needs a text value, found a list");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "annotations: hello"),
                "5:18 rules[0].annotations", "annotations is a mapping of names to values");
    }

    @Test
    void shouldReportThresholdOverridesOnAConditionWithoutASingleThreshold() {
        assertOnlyProblem(rule("name: a", "condition: absent(uptime_seconds)", "severity: info",
                        "overrides: [{region: eu-west-1, threshold: 5}]"),
                "5:37 rules[0].overrides[0].threshold", "a threshold override needs a condition with exactly one"
                        + " threshold, and 'absent(uptime_seconds)' has none; override the duration only, or split"
                        + " the rule");
        assertOnlyProblem(rule("name: a", "condition: x > 1 and y > 2", "severity: info",
                        "overrides: [{region: eu-west-1, threshold: 5}]"),
                "5:37 rules[0].overrides[0].threshold", "a threshold override needs a condition with exactly one"
                        + " threshold, and 'x > 1 and y > 2' has 2");
        assertThat(check(rule("name: a", "condition: absent(x)", "severity: info",
                "overrides: [{region: eu-west-1, duration: 5m}]")).ok()).isTrue();
    }

    @Test
    void shouldReportADuplicatedOverrideRegion() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "overrides:",
                        "  - {region: eu-west-1, threshold: 5}",
                        "  - {region: eu-west-1, duration: 5m}"),
                "7:18 rules[0].overrides[1].region", "region 'eu-west-1' is overridden twice in rule 'a' (first at"
                        + " line 6): merge the two overrides into one");
    }

    @Test
    void shouldReportMisshapenOverrides() {
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "overrides: [{region: eu-west-1}]"),
                "5:17 rules[0].overrides[0]", "the override for region 'eu-west-1' changes nothing: give it a"
                        + " threshold, a duration or both");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "overrides: [{threshold: 2}]"),
                "5:17 rules[0].overrides[0].region", "the override at line 5 has no region; add e.g. region:"
                        + " eu-west-1");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info",
                        "overrides: [{region: r, threshold: high}]"),
                "5:40 rules[0].overrides[0].threshold", "threshold 'high' is not a finite number");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info",
                        "overrides: [{region: r, duration: soon}]"),
                "5:39 rules[0].overrides[0].duration", "bad duration: 'soon' is not a duration");
        assertThat(problems(rule("name: a", "condition: x > 1", "severity: info",
                "overrides: [{region: r, retention: 5d}]"))).containsExactly(
                "5:17 rules[0].overrides[0]: the override for region 'r' changes nothing: give it a threshold, a"
                        + " duration or both",
                "5:29 rules[0].overrides[0].retention: unknown field 'retention' in an override; the fields are"
                        + " region, threshold, duration");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "overrides: eu-west-1"),
                "5:16 rules[0].overrides", "overrides is a list");
        assertOnlyProblem(rule("name: a", "condition: x > 1", "severity: info", "overrides: [eu-west-1]"),
                "5:17 rules[0].overrides[0]", "an override is a mapping with region and threshold and/or duration");
    }

    @Test
    void shouldCollectEveryProblemOfEveryRuleAndKeepOnlyTheGoodRules() {
        RuleFile file = check("""
                rules:
                  - name: good
                    condition: avg(cpu_percent) > 90
                    severity: warning
                  - name: bad
                    condition: median(cpu_percent) > 90
                    duration: forever
                    severity: urgent
                    channels: [sms]
                  - name: good
                    condition: x > 1
                    severity: info
                """);
        assertThat(file.problems()).extracting(p -> p.line() + ":" + p.column()).containsExactly(
                "6:16", "7:15", "8:15", "9:16", "10:11");
        assertThat(file.rules()).extracting(AlertRule::name).containsExactly("good");
        assertThat(file.ok()).isFalse();
        assertThat(file.report()).startsWith("policies.yaml:6:16: error: unknown aggregate 'median'")
                .endsWith("5 errors in policies.yaml");
    }
}
