package io.dams.query.silences;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.http.ApiErrors;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.names.PrometheusNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads and checks the label matchers of a silence, as Alertmanager does: names are label names, regular expressions
 * compile (anchored at both ends when applied, as in the rule language), and at least one matcher must not match an
 * absent label, since a silence whose every matcher matches the empty value would mute every alert.
 */
public final class SilenceMatchers {

    private static final Map<String, MatchOp> OPS = Map.of("=", MatchOp.EQ, "!=", MatchOp.NEQ, "=~", MatchOp.RE,
            "!~", MatchOp.NRE);
    private static final int MAX_MATCHERS = 64;

    private SilenceMatchers() {
    }

    public static String symbol(MatchOp op) {
        return switch (op) {
            case EQ -> "=";
            case NEQ -> "!=";
            case RE -> "=~";
            case NRE -> "!~";
        };
    }

    /**
     * The matchers of {@code node} (a JSON array of {@code {name, op, value}}).
     *
     * @throws io.javalin.http.BadRequestResponse naming the matcher at fault, e.g. {@code matchers[1].value}
     */
    public static List<LabelMatcher> read(JsonNode node) {
        if (!node.isArray()) {
            throw ApiErrors.badParameter("matchers", "matchers is a list of {\"name\", \"op\", \"value\"}, e.g."
                    + " [{\"name\": \"region\", \"op\": \"=\", \"value\": \"eu-west-1\"}]");
        }
        if (node.isEmpty()) {
            throw ApiErrors.badParameter("matchers", "a silence needs at least one matcher (or an alert_id)");
        }
        if (node.size() > MAX_MATCHERS) {
            throw ApiErrors.badParameter("matchers", "at most " + MAX_MATCHERS + " matchers");
        }
        List<LabelMatcher> matchers = new ArrayList<>();
        boolean excludesEmpty = false;
        for (int i = 0; i < node.size(); i++) {
            String at = "matchers[" + i + "]";
            JsonNode m = node.get(i);
            if (!m.isObject()) {
                throw ApiErrors.badParameter(at, at + " must be an object {\"name\", \"op\", \"value\"}");
            }
            for (var names = m.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                if (!List.of("name", "op", "value").contains(field)) {
                    throw ApiErrors.badParameter(at + "." + field, "unknown field " + ApiErrors.quote(field) + " in "
                            + at + "; a matcher has name, op and value");
                }
            }
            String name = text(m, "name", at);
            if (name.startsWith("__") || !PrometheusNames.isLabelName(name)) {
                throw ApiErrors.badParameter(at + ".name", ApiErrors.quote(name) + " is not a label name: names"
                        + " match [a-zA-Z_][a-zA-Z0-9_]* and do not start with __");
            }
            String opText = m.has("op") ? text(m, "op", at) : "=";
            MatchOp op = OPS.get(opText);
            if (op == null) {
                throw ApiErrors.badParameter(at + ".op", ApiErrors.quote(opText) + " is not an operator; one of"
                        + " =, !=, =~, !~");
            }
            String value = text(m, "value", at);
            boolean matchesEmpty;
            if (op == MatchOp.RE || op == MatchOp.NRE) {
                Pattern pattern;
                try {
                    pattern = Pattern.compile(value);
                } catch (PatternSyntaxException e) {
                    throw ApiErrors.badParameter(at + ".value", "bad regular expression " + ApiErrors.quote(value)
                            + ": " + e.getDescription() + (e.getIndex() >= 0 ? " at character " + (e.getIndex() + 1)
                            : ""));
                }
                boolean emptyMatches = pattern.matcher("").matches();
                matchesEmpty = op == MatchOp.RE ? emptyMatches : !emptyMatches;
            } else {
                matchesEmpty = op == MatchOp.EQ ? value.isEmpty() : !value.isEmpty();
            }
            excludesEmpty |= !matchesEmpty;
            matchers.add(LabelMatcher.newBuilder().setName(name).setOp(op).setValue(value).build());
        }
        if (!excludesEmpty) {
            throw ApiErrors.badParameter("matchers", "every matcher also matches alerts without the label, so the"
                    + " silence would mute every alert; add a matcher that needs a value, e.g. region=\"eu-west-1\"");
        }
        return matchers;
    }

    private static String text(JsonNode m, String field, String at) {
        JsonNode v = m.get(field);
        if (v == null || v.isNull()) {
            throw ApiErrors.badParameter(at + "." + field, at + " has no " + field);
        }
        if (!v.isTextual()) {
            throw ApiErrors.badParameter(at + "." + field, at + "." + field + " must be a string, not " + v);
        }
        return v.textValue();
    }
}
