package io.dams.rules.lang;

import io.dams.rules.lang.ConditionLexer.Kind;
import io.dams.rules.lang.ConditionLexer.Token;
import io.dams.schemas.names.PrometheusNames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BinaryOperator;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Parses the rule language's conditions (recursive descent) and checks what can be checked on the text alone.
 *
 * <pre>
 * condition  = and { "or" and }
 * and        = unary { "and" unary }
 * unary      = "(" condition ")" | "absent" "(" selector ")" | comparison
 * comparison = aggregation cmp number
 * aggregation= aggregate [by] "(" selector ")" [by] | selector          (a bare selector means last)
 * by         = "by" "(" [ label { "," label } [","] ] ")"
 * selector   = metric [ "{" [ matcher { "," matcher } [","] ] "}" ]
 * matcher    = label ( "=" | "!=" | "=~" | "!~" ) string
 * cmp        = ">" | ">=" | "<" | "<=" | "==" | "!="
 * </pre>
 *
 * Keywords and aggregate names are case-insensitive (as PromQL's); metric and label names are not. Strings are
 * {@code "..."} or {@code '...'} with escapes {@code \\ \" \' \n \t \r}, or raw {@code `...`}.
 *
 * <p>Every error carries its char offset in the text. A syntax error ends the parse (what follows would only repeat
 * it); errors that leave the structure intact (unknown aggregate, bad regex, a name that cannot exist, {@code by} where
 * it makes no sense, sides of and/or grouped differently) are all collected and parsing goes on.
 */
public final class ConditionParser {

    private static final Set<String> KEYWORDS = Set.of("and", "or", "by", "absent");
    private static final Pattern NUMBER = Pattern.compile("(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    /** Ends the parse at a syntax error, already recorded. */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private final List<Token> tokens;
    private final List<ConditionError> errors = new ArrayList<>();
    private int pos;

    private ConditionParser(String text) {
        this.text = text;
        this.tokens = ConditionLexer.tokens(text, errors);
    }

    /** Parses condition text; the result has the condition, or every error found. */
    public static ParsedCondition parse(String text) {
        ConditionParser parser = new ConditionParser(text);
        Condition condition = null;
        try {
            condition = parser.parseWhole();
        } catch (Stop stop) {
            // recorded
        }
        List<ConditionError> errors = new ArrayList<>(parser.errors);
        errors.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        return errors.isEmpty() ? new ParsedCondition(Optional.of(condition), List.of())
                : new ParsedCondition(Optional.empty(), errors);
    }

    private Condition parseWhole() {
        if (peek().kind() == Kind.END) {
            throw fail(peek(), "the condition is empty; write e.g. avg(cpu_percent) > 90");
        }
        Condition c = parseOr();
        Token t = peek();
        if (t.kind() != Kind.END) {
            if (t.kind() == Kind.BAD) {
                throw fail(t, t.problem());
            }
            if (t.kind() == Kind.OPERATOR) {
                throw fail(t, "unexpected " + t.describe() + " after a complete comparison; a comparison has one"
                        + " operator: join two with 'and', e.g. x > 1 and x < 5");
            }
            throw fail(t, "unexpected " + t.describe() + " after a complete condition; join conditions with 'and'"
                    + " or 'or'");
        }
        return c;
    }

    private Condition parseOr() {
        Condition left = parseAnd();
        while (peek().isWord("or")) {
            Token op = next();
            Condition right = parseAnd();
            left = combine(op, left, right, Or::new);
        }
        return left;
    }

    private Condition parseAnd() {
        Condition left = parseUnary();
        while (peek().isWord("and")) {
            Token op = next();
            Condition right = parseUnary();
            left = combine(op, left, right, And::new);
        }
        return left;
    }

    private Condition combine(Token op, Condition left, Condition right, BinaryOperator<Condition> node) {
        if (left.grouping().sameAs(right.grouping())) {
            return node.apply(left, right);
        }
        error(op, "cannot combine with '" + op.text().toLowerCase(Locale.ROOT) + "' a condition "
                + left.grouping().describe() + " and one " + right.grouping().describe()
                + ": alerts of both sides must be grouped alike; group both sides by the same labels");
        return left;
    }

    private Condition parseUnary() {
        Token t = peek();
        if (t.kind() == Kind.LPAREN) {
            next();
            Condition inner = parseOr();
            expect(Kind.RPAREN, "')' to close the '(' at column " + (t.start() + 1) + " of the condition");
            return inner;
        }
        return parseTerm();
    }

    private Condition parseTerm() {
        Token t = peek();
        switch (t.kind()) {
            case NUMBER, PLUS, MINUS -> throw fail(t, "a comparison starts with an aggregate or a metric name, and the"
                    + " number comes last: write e.g. avg(cpu_percent) > 90");
            case LBRACE -> throw fail(t, "a selector starts with a metric name: write e.g. disk_used_percent{mount=\"/\"}");
            case BAD -> throw fail(t, t.problem());
            case WORD -> { }
            default -> throw fail(t, "expected an aggregate such as avg(...), a metric name or absent(...), found "
                    + t.describe());
        }
        if (t.isWord("and") || t.isWord("or") || t.isWord("by")) {
            throw fail(t, "expected a condition before '" + t.text() + "', e.g. avg(cpu_percent) > 90");
        }
        boolean call = peek(1).kind() == Kind.LPAREN || prefixByCall();
        if (call && t.isWord("absent")) {
            return parseAbsent();
        }
        if (call) {
            return parseComparison(parseAggregateCall());
        }
        Selector selector = parseSelector();
        if (peek().isWord("by")) {
            Token by = peek();
            parseBy();
            error(by, "by (...) needs an aggregate: write e.g. avg(" + selector.render() + ") by (...), or last(...)"
                    + " by (...) for the newest value per group");
        }
        return parseComparison(Aggregation.last(selector));
    }

    /** Whether {@code word by (...) (} follows: an aggregate with a prefix by, not a bare selector's misplaced by. */
    private boolean prefixByCall() {
        if (!peek(1).isWord("by") || peek(2).kind() != Kind.LPAREN) {
            return false;
        }
        int i = pos + 3;
        while (i < tokens.size() && tokens.get(i).kind() != Kind.RPAREN && tokens.get(i).kind() != Kind.END) {
            i++;
        }
        return i + 1 < tokens.size() && tokens.get(i).kind() == Kind.RPAREN && tokens.get(i + 1).kind() == Kind.LPAREN;
    }

    private Condition parseAbsent() {
        Token name = next();
        if (peek().isWord("by")) {
            Token by = peek();
            parseBy();
            error(by, "absent(...) is per asset and takes no by (...): remove it");
        }
        expect(Kind.LPAREN, "'(' after absent");
        Selector selector = parseSelectorArgument(name);
        expect(Kind.RPAREN, "')' to close 'absent('");
        if (peek().isWord("by")) {
            Token by = peek();
            parseBy();
            error(by, "absent(...) is per asset (true for an asset that sent no matching sample during the window)"
                    + " and takes no by (...): remove it");
        }
        Token op = peek();
        if (op.kind() == Kind.OPERATOR && ComparisonOp.bySymbol(op.text()).isPresent()) {
            next();
            Token number = peek();
            if (number.kind() == Kind.NUMBER || number.kind() == Kind.MINUS || number.kind() == Kind.PLUS) {
                parseNumber(op);
            }
            error(op, "absent(...) is a condition on its own and takes no comparison: remove '"
                    + text.substring(op.start(), Math.max(op.end(), previous().end())) + "'");
        }
        return new Absent(selector);
    }

    private Aggregation parseAggregateCall() {
        Token name = next();
        Optional<Aggregate> aggregate = Aggregate.byKeyword(name.text());
        if (aggregate.isEmpty()) {
            error(name, unknownAggregate(name.text()));
        }
        Grouping grouping = Grouping.PER_ASSET;
        Token prefixBy = null;
        if (peek().isWord("by")) {
            prefixBy = peek();
            grouping = parseBy();
        }
        expect(Kind.LPAREN, "'(' after " + name.text());
        Selector selector = parseSelectorArgument(name);
        expect(Kind.RPAREN, "')' to close '" + name.text() + "('");
        if (peek().isWord("by")) {
            Token by = peek();
            Grouping suffix = parseBy();
            if (prefixBy != null) {
                error(by, "by (...) is given twice, before and after the parentheses: keep one");
            } else {
                grouping = suffix;
            }
        }
        return new Aggregation(aggregate.orElse(Aggregate.LAST), selector, grouping);
    }

    private Selector parseSelectorArgument(Token function) {
        Token t = peek();
        if (t.kind() == Kind.WORD && peek(1).kind() == Kind.LPAREN) {
            throw fail(t, function.text() + "(...) takes a metric selector, not " + t.text() + "(...): aggregates do"
                    + " not nest; write e.g. " + function.text().toLowerCase(Locale.ROOT) + "(cpu_percent)");
        }
        if (t.kind() == Kind.RPAREN) {
            throw fail(t, function.text() + "() needs a metric selector: write e.g. "
                    + function.text().toLowerCase(Locale.ROOT) + "(cpu_percent)");
        }
        return parseSelector();
    }

    private Grouping parseBy() {
        next(); // by
        expect(Kind.LPAREN, "'(' after 'by': write by (region)");
        List<String> labels = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        while (peek().kind() != Kind.RPAREN) {
            Token label = peek();
            if (label.kind() != Kind.WORD) {
                throw fail(label, "expected a label name or ')' in by (...), found " + label.describe());
            }
            next();
            checkLabelName(label);
            if (!seen.add(label.text())) {
                error(label, "label '" + label.text() + "' appears twice in by (...): remove one");
            } else {
                labels.add(label.text());
            }
            if (peek().kind() == Kind.COMMA) {
                next();
            } else if (peek().kind() != Kind.RPAREN) {
                throw fail(peek(), "expected ',' or ')' in by (...), found " + peek().describe());
            }
        }
        next();
        return Grouping.by(labels);
    }

    private Selector parseSelector() {
        Token metric = peek();
        if (metric.kind() == Kind.LBRACE) {
            throw fail(metric, "a selector starts with a metric name: write e.g. disk_used_percent{mount=\"/\"}");
        }
        if (metric.kind() != Kind.WORD) {
            throw fail(metric, "expected a metric name, found " + metric.describe());
        }
        next();
        checkMetricName(metric);
        List<LabelMatcher> matchers = new ArrayList<>();
        if (peek().kind() == Kind.LBRACE) {
            next();
            while (peek().kind() != Kind.RBRACE) {
                matcher().ifPresent(matchers::add);
                if (peek().kind() == Kind.COMMA) {
                    next();
                } else if (peek().kind() != Kind.RBRACE) {
                    throw fail(peek(), "expected ',' or '}' after a label matcher, found " + peek().describe());
                }
            }
            next();
        }
        Token range = peek();
        if (range.kind() == Kind.RANGE) {
            next();
            String inside = range.text().replaceAll("^\\[|]$", "").trim();
            error(range, "range selectors are not part of the rule language: the rule's window sets the range;"
                    + " remove '" + range.text() + "'" + (inside.isEmpty() ? "" : " and set window: " + inside));
        }
        return new Selector(metric.text(), matchers);
    }

    private Optional<LabelMatcher> matcher() {
        Token label = peek();
        if (label.kind() != Kind.WORD) {
            throw fail(label, "expected a label name in {...}, found " + label.describe());
        }
        next();
        boolean nameOk = checkLabelName(label);
        Token op = peek();
        Optional<MatchOp> matchOp = op.kind() == Kind.OPERATOR ? MatchOp.bySymbol(op.text()) : Optional.empty();
        if (matchOp.isEmpty()) {
            if (op.isOperator("==")) {
                throw fail(op, "labels match with '=', not '==': write " + label.text() + "=\"...\"");
            }
            throw fail(op, "expected =, !=, =~ or !~ after label '" + label.text() + "', found " + op.describe());
        }
        next();
        Token value = peek();
        if (value.kind() == Kind.BAD) {
            throw fail(value, value.problem());
        }
        if (value.kind() != Kind.STRING) {
            throw fail(value, "label values are quoted strings: write " + label.text() + op.text() + "\""
                    + (value.kind() == Kind.WORD || value.kind() == Kind.NUMBER ? value.text() : "...") + "\"");
        }
        next();
        if (matchOp.get().isRegex()) {
            try {
                Pattern.compile(value.value());
            } catch (PatternSyntaxException e) {
                int index = e.getIndex();
                int[] offsets = value.valueOffsets();
                int at = index >= 0 && index < offsets.length ? offsets[index]
                        : index >= offsets.length && offsets.length > 0 ? value.end() - 1 : value.start();
                errors.add(new ConditionError(at, 1, "invalid regular expression for label '" + label.text() + "': "
                        + e.getDescription() + (index >= 0 ? " at index " + index : "") + " of " + value.text()
                        + "; fix the pattern (it must match the whole label value, as in Prometheus)"));
                return Optional.empty();
            }
        }
        return nameOk ? Optional.of(new LabelMatcher(label.text(), matchOp.get(), value.value())) : Optional.empty();
    }

    private Comparison parseComparison(Aggregation aggregation) {
        Token op = peek();
        Optional<ComparisonOp> cmp = op.kind() == Kind.OPERATOR ? ComparisonOp.bySymbol(op.text()) : Optional.empty();
        if (cmp.isEmpty()) {
            if (op.isOperator("=")) {
                throw fail(op, "'=' matches labels inside {...}; to compare a value write '=='");
            }
            if (op.kind() == Kind.BAD) {
                throw fail(op, op.problem());
            }
            throw fail(op, "expected a comparison (>, >=, <, <=, ==, !=) and a number after '"
                    + aggregation.render() + "', found " + op.describe());
        }
        next();
        double threshold = parseNumber(op);
        return new Comparison(aggregation, cmp.get(), threshold);
    }

    private double parseNumber(Token op) {
        int start = peek().start();
        boolean negative = false;
        if (peek().kind() == Kind.MINUS || peek().kind() == Kind.PLUS) {
            negative = next().kind() == Kind.MINUS;
        }
        Token n = peek();
        if (n.kind() == Kind.WORD && (n.text().equalsIgnoreCase("inf") || n.text().equalsIgnoreCase("nan"))) {
            next();
            error(start, n.end() - start, "the threshold must be a finite number, not " + n.text());
            return 0;
        }
        if (n.kind() == Kind.BAD) {
            throw fail(n, n.problem());
        }
        if (n.kind() != Kind.NUMBER) {
            throw fail(n, "expected a number after '" + op.text() + "', found " + n.describe());
        }
        next();
        if (!NUMBER.matcher(n.text()).matches()) {
            error(n, "'" + n.text() + "' is not a number: write digits with an optional fraction and exponent, e.g."
                    + " 90, 0.5 or 1e9" + (n.text().matches("\\d+(ms|s|m|h|d|w|y)") ? " (durations go in the rule's"
                    + " duration and window fields)" : ""));
            return 0;
        }
        double value = Double.parseDouble(n.text());
        if (!Double.isFinite(value)) {
            error(start, n.end() - start, "the threshold " + n.text() + " is too large for a double");
            return 0;
        }
        return negative ? -value : value;
    }

    private void checkMetricName(Token metric) {
        String name = metric.text();
        if (KEYWORDS.contains(name.toLowerCase(Locale.ROOT))) {
            throw fail(metric, "expected a metric name, found the keyword '" + name + "'");
        }
        if (!PrometheusNames.isMetricName(name)) {
            String fix = name.replaceAll("[.\\-]", "_");
            error(metric, "metric name '" + name + "' cannot exist: metric names match [a-zA-Z_:][a-zA-Z0-9_:]*"
                    + (PrometheusNames.isMetricName(fix) ? "; did you mean '" + fix + "'?" : ""));
        }
    }

    private boolean checkLabelName(Token label) {
        String name = label.text();
        if (name.startsWith("__")) {
            error(label, "label name '" + name + "' is reserved (names starting with __ belong to Prometheus itself);"
                    + " use a label the series carry, e.g. mount, region or asset_id");
            return false;
        }
        if (!PrometheusNames.isLabelName(name)) {
            String fix = name.replaceAll("[.\\-:]", "_");
            error(label, "label name '" + name + "' cannot exist: label names match [a-zA-Z_][a-zA-Z0-9_]*"
                    + (PrometheusNames.isLabelName(fix) ? "; did you mean '" + fix + "'?" : ""));
            return false;
        }
        return true;
    }

    static String unknownAggregate(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith("_over_time") && Aggregate.byKeyword(lower.replace("_over_time", "")).isPresent()) {
            String base = lower.replace("_over_time", "");
            return "unknown aggregate '" + name + "': aggregates already run over the rule's window; write " + base
                    + "(...)";
        }
        List<String> keywords = Arrays.stream(Aggregate.values()).map(Aggregate::keyword).collect(Collectors.toList());
        String all = "the aggregates are " + Aggregate.keywords() + ", and absent(...) is a condition of its own";
        return "unknown aggregate '" + name + "'; " + Spelling.nearest(name, keywords)
                .map(s -> "did you mean '" + s + "'? (" + all + ")").orElse(all);
    }

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
    }

    private Token previous() {
        return tokens.get(Math.max(0, pos - 1));
    }

    private Token next() {
        Token t = tokens.get(pos);
        if (t.kind() != Kind.END) {
            pos++;
        }
        return t;
    }

    private void expect(Kind kind, String what) {
        Token t = peek();
        if (t.kind() != kind) {
            throw fail(t, t.kind() == Kind.BAD ? t.problem() : "expected " + what + ", found " + t.describe());
        }
        next();
    }

    private void error(Token t, String message) {
        error(t.start(), t.end() - t.start(), message);
    }

    private void error(int offset, int length, String message) {
        errors.add(new ConditionError(offset, length, message));
    }

    private Stop fail(Token t, String message) {
        error(t, message);
        return new Stop();
    }
}
