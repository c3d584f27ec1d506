package io.dams.rules.lang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionParserTest {

    private static Comparison cmp(Aggregate a, String metric, ComparisonOp op, double t) {
        return new Comparison(new Aggregation(a, Selector.of(metric), Grouping.PER_ASSET), op, t);
    }

    private static ConditionError onlyError(String text) {
        ParsedCondition parsed = ConditionParser.parse(text);
        assertThat(parsed.errors()).as("errors of %s", text).hasSize(1);
        return parsed.errors().get(0);
    }

    // --- constructs -------------------------------------------------------------------------------------------------

    @Test
    void shouldReadABareSelectorAsItsLastValuePerAsset() {
        assertThat(Condition.parse("disk_used_percent > 95"))
                .isEqualTo(cmp(Aggregate.LAST, "disk_used_percent", ComparisonOp.GREATER, 95));
    }

    @ParameterizedTest
    @CsvSource({"avg,AVG", "min,MIN", "max,MAX", "sum,SUM", "count,COUNT", "last,LAST", "rate,RATE", "AVG,AVG",
            "Rate,RATE"})
    void shouldReadEveryAggregateInAnyCase(String word, Aggregate aggregate) {
        assertThat(Condition.parse(word + "(cpu_percent) >= 1"))
                .isEqualTo(cmp(aggregate, "cpu_percent", ComparisonOp.GREATER_OR_EQUAL, 1));
    }

    @ParameterizedTest
    @CsvSource({">,GREATER", ">=,GREATER_OR_EQUAL", "<,LESS", "<=,LESS_OR_EQUAL", "==,EQUAL", "!=,NOT_EQUAL"})
    void shouldReadEveryComparisonOperator(String symbol, ComparisonOp op) {
        assertThat(Condition.parse("x" + symbol + "2")).isEqualTo(cmp(Aggregate.LAST, "x", op, 2));
    }

    @Test
    void shouldReadNumbersWithSignFractionAndExponent() {
        assertThat(((Comparison) Condition.parse("x > -1.5")).threshold()).isEqualTo(-1.5);
        assertThat(((Comparison) Condition.parse("x > +.25")).threshold()).isEqualTo(0.25);
        assertThat(((Comparison) Condition.parse("x > 5e6")).threshold()).isEqualTo(5_000_000);
        assertThat(((Comparison) Condition.parse("x > 1.5E-3")).threshold()).isEqualTo(0.0015);
    }

    @Test
    void shouldReadEveryLabelMatcherWithAnyQuotingAndATrailingComma() {
        Condition c = Condition.parse("disk_used_percent{mount=\"/\", device!='sda', fs=~`ext[34]`, path!~\"/snap/.*\",}"
                + " > 90");
        Selector s = c.selectors().get(0);
        assertThat(s.metric()).isEqualTo("disk_used_percent");
        assertThat(s.matchers()).containsExactly(
                new LabelMatcher("mount", MatchOp.EQUAL, "/"),
                new LabelMatcher("device", MatchOp.NOT_EQUAL, "sda"),
                new LabelMatcher("fs", MatchOp.REGEX, "ext[34]"),
                new LabelMatcher("path", MatchOp.NOT_REGEX, "/snap/.*"));
    }

    @Test
    void shouldDecodeEscapesInQuotedStringsButNotInRawOnes() {
        assertThat(Condition.parse("x{a=\"q\\\"\\\\d\\n\"} > 1").selectors().get(0).matchers().get(0).value())
                .isEqualTo("q\"\\d\n");
        assertThat(Condition.parse("x{a=~`\\d+`} > 1").selectors().get(0).matchers().get(0).value())
                .isEqualTo("\\d+");
    }

    @Test
    void shouldAcceptAnEmptyMatcherList() {
        assertThat(Condition.parse("x{} > 1")).isEqualTo(cmp(Aggregate.LAST, "x", ComparisonOp.GREATER, 1));
    }

    @Test
    void shouldReadByAfterOrBeforeTheArgument() {
        Condition suffix = Condition.parse("avg(cpu_percent) by (region, site) > 80");
        Condition prefix = Condition.parse("avg by (region, site) (cpu_percent) > 80");
        Condition expected = new Comparison(new Aggregation(Aggregate.AVG, Selector.of("cpu_percent"),
                Grouping.by(List.of("region", "site"))), ComparisonOp.GREATER, 80);
        assertThat(suffix).isEqualTo(expected);
        assertThat(prefix).isEqualTo(expected);
        assertThat(suffix.grouping().describe()).isEqualTo("by (region, site)");
    }

    @Test
    void shouldReadAnEmptyByAsOneFleetWideGroup() {
        Condition c = Condition.parse("sum(x) BY () > 1");
        assertThat(c.grouping().perAsset()).isFalse();
        assertThat(c.grouping().labels()).isEmpty();
    }

    @Test
    void shouldReadAbsent() {
        assertThat(Condition.parse("absent(uptime_seconds{job=\"agent\"})")).isEqualTo(new Absent(
                new Selector("uptime_seconds", List.of(new LabelMatcher("job", MatchOp.EQUAL, "agent")))));
    }

    @Test
    void shouldBindAndTighterThanOr() {
        Condition c = Condition.parse("a > 1 or b > 2 and c > 3");
        assertThat(c).isEqualTo(new Or(cmp(Aggregate.LAST, "a", ComparisonOp.GREATER, 1),
                new And(cmp(Aggregate.LAST, "b", ComparisonOp.GREATER, 2), cmp(Aggregate.LAST, "c", ComparisonOp.GREATER, 3))));
        Condition d = Condition.parse("a > 1 and b > 2 or c > 3");
        assertThat(d).isEqualTo(new Or(new And(cmp(Aggregate.LAST, "a", ComparisonOp.GREATER, 1),
                cmp(Aggregate.LAST, "b", ComparisonOp.GREATER, 2)), cmp(Aggregate.LAST, "c", ComparisonOp.GREATER, 3)));
    }

    @Test
    void shouldGroupWithParenthesesAndAssociateToTheLeft() {
        Comparison a = cmp(Aggregate.LAST, "a", ComparisonOp.GREATER, 1);
        Comparison b = cmp(Aggregate.LAST, "b", ComparisonOp.GREATER, 2);
        Comparison c = cmp(Aggregate.LAST, "c", ComparisonOp.GREATER, 3);
        assertThat(Condition.parse("(a > 1 or b > 2) and c > 3")).isEqualTo(new And(new Or(a, b), c));
        assertThat(Condition.parse("a > 1 and b > 2 and c > 3")).isEqualTo(new And(new And(a, b), c));
        assertThat(Condition.parse("((a > 1))")).isEqualTo(a);
        assertThat(Condition.parse("a > 1 AND b > 2 Or c > 3")).isEqualTo(new Or(new And(a, b), c));
    }

    @Test
    void shouldCombineAbsentWithPerAssetComparisons() {
        Condition c = Condition.parse("absent(uptime_seconds) or avg(cpu_percent) > 99");
        assertThat(c).isInstanceOf(Or.class);
        assertThat(c.comparisons()).hasSize(1);
        assertThat(c.selectors()).extracting(Selector::metric).containsExactly("uptime_seconds", "cpu_percent");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "disk_used_percent > 95",
            "avg(cpu_percent) > 90",
            "rate(disk_used_bytes{mount=\"/\"}) > 5242880",
            "avg(cpu_percent) by (region) > 80",
            "absent(uptime_seconds)",
            "(a > 1 or b > 2) and c <= -0.5",
            "a > 1 or b > 2 and c > 3",
            "x{a=~\"q\\\"\\\\d\", b!=\"\"} != 0",
            "sum(x) by () >= 1e-7",
    })
    void shouldRenderTextThatParsesBackToAnEqualCondition(String text) {
        Condition c = Condition.parse(text);
        assertThat(Condition.parse(c.render())).isEqualTo(c);
    }

    @Test
    void shouldRenderCanonically() {
        assertThat(Condition.parse("LAST( x ) >90.0 AND avg  ( y{a = 'b'} )<1e3").render())
                .isEqualTo("x > 90 and avg(y{a=\"b\"}) < 1000");
        assertThat(Condition.parse("avg  by(region,site )(y)>=-0.50").render())
                .isEqualTo("avg(y) by (region, site) >= -0.5");
    }

    @Test
    void shouldReplaceTheOnlyThresholdAndRefuseWhenThereIsNotExactlyOne() {
        assertThat(Condition.parse("avg(x) > 90").withThreshold(80).render()).isEqualTo("avg(x) > 80");
        assertThatThrownBy(() -> Condition.parse("x > 1 and y > 2").withThreshold(3))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("2 thresholds");
        assertThatThrownBy(() -> Condition.parse("absent(x)").withThreshold(3))
                .isInstanceOf(IllegalStateException.class);
    }

    // --- errors, each with its exact offset ---------------------------------------------------------------------

    @Test
    void shouldReportAnEmptyCondition() {
        ConditionError e = onlyError("   ");
        assertThat(e.message()).startsWith("the condition is empty");
    }

    @Test
    void shouldReportAMissingNumberJustPastTheLastChar() {
        ConditionError e = onlyError("avg(cpu_percent) >   ");
        assertThat(e.offset()).isEqualTo(18);
        assertThat(e.message()).isEqualTo("expected a number after '>', found the end of the condition");
    }

    @Test
    void shouldReportAMissingComparison() {
        ConditionError e = onlyError("avg(cpu_percent)");
        assertThat(e.offset()).isEqualTo(16);
        assertThat(e.message()).startsWith("expected a comparison (>, >=, <, <=, ==, !=) and a number after"
                + " 'avg(cpu_percent)'");
    }

    @Test
    void shouldReportAnUnknownAggregateWithASuggestion() {
        ConditionError e = onlyError("x > 1 and agv(cpu_percent) > 90");
        assertThat(e.offset()).isEqualTo(10);
        assertThat(e.length()).isEqualTo(3);
        assertThat(e.message()).startsWith("unknown aggregate 'agv'; did you mean 'avg'?");
    }

    @Test
    void shouldReportAnUnknownAggregateWithTheListWhenNothingIsClose() {
        ConditionError e = onlyError("median(cpu_percent) > 90");
        assertThat(e.offset()).isZero();
        assertThat(e.message()).isEqualTo("unknown aggregate 'median'; the aggregates are avg, min, max, sum, count,"
                + " last, rate, deriv, and absent(...) is a condition of its own");
    }

    @Test
    void shouldPointPromQlOverTimeFunctionsToTheirAggregate() {
        assertThat(onlyError("avg_over_time(x) > 1").message())
                .isEqualTo("unknown aggregate 'avg_over_time': aggregates already run over the rule's window; write avg(...)");
    }

    @Test
    void shouldReportABadRegexAtTheFailingCharOfThePattern() {
        ConditionError e = onlyError("x{a=~\"*x\"} > 1");
        assertThat(e.offset()).isEqualTo(6);
        assertThat(e.message()).startsWith("invalid regular expression for label 'a': Dangling meta character '*'"
                + " at index 0 of \"*x\"");
    }

    @Test
    void shouldMapRegexErrorsThroughEscapes() {
        // value "\\d(" : index 3 of the value is the '(' at text offset 10 (escape \\ takes two chars in the text)
        ConditionError e = onlyError("x{a=~\"\\\\d(\"} > 1");
        assertThat(e.message()).contains("Unclosed group");
        assertThat(e.offset()).isEqualTo(10);
    }

    @Test
    void shouldReportAMetricNameThatCannotExist() {
        ConditionError e = onlyError("avg(cpu.percent) > 1");
        assertThat(e.offset()).isEqualTo(4);
        assertThat(e.length()).isEqualTo(11);
        assertThat(e.message()).isEqualTo("metric name 'cpu.percent' cannot exist: metric names match"
                + " [a-zA-Z_:][a-zA-Z0-9_:]*; did you mean 'cpu_percent'?");
    }

    @Test
    void shouldReportLabelNamesThatCannotExistOrAreReserved() {
        assertThat(onlyError("x{a-b=\"1\"} > 1")).satisfies(e -> {
            assertThat(e.offset()).isEqualTo(2);
            assertThat(e.message()).contains("label name 'a-b' cannot exist").contains("did you mean 'a_b'?");
        });
        assertThat(onlyError("x{__name__=\"y\"} > 1")).satisfies(e -> {
            assertThat(e.offset()).isEqualTo(2);
            assertThat(e.message()).startsWith("label name '__name__' is reserved");
        });
        assertThat(onlyError("avg(x) by (re.gion) > 1").offset()).isEqualTo(11);
    }

    @Test
    void shouldCollectEveryNonSyntaxErrorOfOneCondition() {
        ParsedCondition parsed = ConditionParser.parse("median(cpu.percent{m=~\"(\"}) > 1 or y{__a=\"\"} > 2");
        assertThat(parsed.errors()).extracting(ConditionError::offset).containsExactly(0, 7, 24, 37);
        assertThat(parsed.condition()).isEmpty();
    }

    @Test
    void shouldRefuseByOnAbsent() {
        ConditionError e = onlyError("absent(x) by (region)");
        assertThat(e.offset()).isEqualTo(10);
        assertThat(e.message()).startsWith("absent(...) is per asset");
        assertThat(onlyError("absent by (region) (x)").offset()).isEqualTo(7);
    }

    @Test
    void shouldRefuseAComparisonAfterAbsent() {
        ConditionError e = onlyError("absent(x) > 0");
        assertThat(e.offset()).isEqualTo(10);
        assertThat(e.message()).isEqualTo("absent(...) is a condition on its own and takes no comparison: remove '> 0'");
    }

    @Test
    void shouldRefuseCombiningConditionsGroupedDifferently() {
        ConditionError e = onlyError("avg(x) by (region) > 1 and y > 2");
        assertThat(e.offset()).isEqualTo(23);
        assertThat(e.message()).startsWith("cannot combine with 'and' a condition by (region) and one per asset");
        assertThat(onlyError("absent(x) or avg(y) by (site) > 1").offset()).isEqualTo(10);
        assertThat(ConditionParser.parse("avg(x) by (a, b) > 1 or max(y) by (b, a) > 2").ok()).isTrue();
    }

    @Test
    void shouldRefuseByWithoutAnAggregateAndByTwice() {
        assertThat(onlyError("x by (region) > 1")).satisfies(e -> {
            assertThat(e.offset()).isEqualTo(2);
            assertThat(e.message()).startsWith("by (...) needs an aggregate");
        });
        assertThat(onlyError("avg by (a) (x) by (b) > 1")).satisfies(e -> {
            assertThat(e.offset()).isEqualTo(15);
            assertThat(e.message()).startsWith("by (...) is given twice");
        });
        assertThat(onlyError("avg(x) by (region, region) > 1")).satisfies(e -> {
            assertThat(e.offset()).isEqualTo(19);
            assertThat(e.message()).isEqualTo("label 'region' appears twice in by (...): remove one");
        });
    }

    @Test
    void shouldExplainRangeSelectors() {
        ConditionError e = onlyError("rate(x[5m]) > 1");
        assertThat(e.offset()).isEqualTo(6);
        assertThat(e.length()).isEqualTo(4);
        assertThat(e.message()).isEqualTo("range selectors are not part of the rule language: the rule's window sets"
                + " the range; remove '[5m]' and set window: 5m");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "avg(x) = 1|7|'=' matches labels inside {...}; to compare a value write '=='",
            "x{a==\"b\"} > 1|3|labels match with '=', not '==': write a=\"...\"",
            "x{a=b} > 1|4|label values are quoted strings: write a=\"b\"",
            "90 < avg(x)|0|a comparison starts with an aggregate or a metric name, and the number comes last",
            "x > 1 < 5|6|unexpected '<' after a complete comparison",
            "x > 90%|6|unexpected '%': thresholds are plain numbers; write 90 for 90%",
            "x > 5m|4|'5m' is not a number",
            "x > NaN|4|the threshold must be a finite number, not NaN",
            "x > -Inf|4|the threshold must be a finite number, not Inf",
            "avg(rate(x)) > 1|4|avg(...) takes a metric selector, not rate(...): aggregates do not nest",
            "avg() > 1|4|avg() needs a metric selector",
            "(x > 1|6|expected ')' to close the '(' at column 1 of the condition, found the end of the condition",
            "x{a=\"b} > 1|4|unclosed string: add the closing \"",
            "x > 1 and|9|expected an aggregate such as avg(...), a metric name or absent(...), found the end",
            "x > 1 unless y > 2|6|unexpected 'unless' after a complete condition; join conditions with 'and' or 'or'",
            "{mount=\"/\"} > 1|0|a selector starts with a metric name",
            "and > 1|0|expected a condition before 'and'",
            "x{1a=\"b\"} > 1|2|expected a label name in {...}, found the number 1a",
            "x{a=\"b\" c=\"d\"} > 1|8|expected ',' or '}' after a label matcher, found 'c'",
            "x > 1 ! y|6|unexpected '!'",
            "avg(x) by region > 1|10|expected '(' after 'by': write by (region), found 'region'",
    })
    void shouldReportSyntaxErrorsWhereTheyAre(String text, int offset, String message) {
        ConditionError e = ConditionParser.parse(text).errors().get(0);
        assertThat(e.message()).startsWith(message);
        assertThat(e.offset()).isEqualTo(offset);
    }

    @Test
    void shouldReportUnknownEscapesAndGoOn() {
        ParsedCondition parsed = ConditionParser.parse("x{a=~\"\\d+\"} > 1");
        assertThat(parsed.errors()).hasSize(1);
        assertThat(parsed.errors().get(0).offset()).isEqualTo(6);
        assertThat(parsed.errors().get(0).message()).startsWith("unknown escape '\\d' in a \"...\" string; write"
                + " '\\\\d'");
    }

    @Test
    void shouldThrowWithEveryErrorFromParse() {
        assertThatThrownBy(() -> Condition.parse("median(x) > 1 and y{__a=\"\"} > 2"))
                .isInstanceOf(ConditionSyntaxException.class)
                .hasMessageContaining("column 1: unknown aggregate 'median'")
                .hasMessageContaining("column 21: label name '__a' is reserved");
    }
}
