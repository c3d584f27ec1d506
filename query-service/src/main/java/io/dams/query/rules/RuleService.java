package io.dams.query.rules;

import io.dams.query.http.ApiErrors;
import io.dams.query.http.JsonBody;
import io.dams.query.tables.Table;
import io.dams.rules.AlertRule;
import io.dams.rules.check.Problem;
import io.dams.rules.check.RuleChecker;
import io.dams.rules.check.RuleFile;
import io.dams.schemas.avro.Rule;
import io.dams.streams.iq.InteractiveQueries;
import io.javalin.http.NotFoundResponse;
import java.time.Clock;
import java.util.Collection;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The logic of the rule routes over the {@code dams.rules} table: a rule is checked exactly as
 * {@code dams rules validate} checks a {@code policies.yaml} entry ({@link RuleChecker#checkRule}), so a rule the CLI
 * refuses is refused here with the same message, line and column.
 */
public final class RuleService {

    /** The source name in problems: positions are in the request body. */
    static final String SOURCE = "request body";

    private static final Logger LOG = LoggerFactory.getLogger(RuleService.class);

    /** A rule written, and whether it is new. */
    public record Written(Rule rule, boolean created) {
    }

    private final Table<Rule> rules;
    private final RuleChecker checker;
    private final Clock clock;

    public RuleService(Table<Rule> rules, RuleChecker checker, Clock clock) {
        this.rules = rules;
        this.checker = checker;
        this.clock = clock;
    }

    /** Every rule, by name. */
    public Collection<Rule> rules() {
        return rules.entries().values();
    }

    public Rule rule(String name) {
        return rules.get(name).orElseThrow(() -> new NotFoundResponse("no rule " + ApiErrors.quote(name)));
    }

    /**
     * Checks {@code body} (a JSON object with the keys of a {@code policies.yaml} entry; {@code name} may be left out,
     * and must be {@code name} when given) and publishes it as rule {@code name}.
     *
     * @throws io.javalin.http.BadRequestResponse with the first problem's message, field, line and column
     */
    public Written put(String name, String body, String author) {
        checkName(name);
        JsonBody json = JsonBody.parse(body);
        String text = body;
        if (json.has("name")) {
            Optional<String> given = json.text("name");
            if (!given.get().equals(name)) {
                throw ApiErrors.badParameter("name", "the body names rule " + ApiErrors.quote(given.get())
                        + " but the path names " + ApiErrors.quote(name) + "; leave name out of the body or make"
                        + " them the same");
            }
        } else {
            text = withName(body, name, json.size() == 0);
        }
        RuleFile file = checker.checkRule(text, SOURCE);
        if (!file.ok()) {
            Problem first = file.problems().get(0);
            int more = file.problems().size() - 1;
            throw ApiErrors.badBody(first.field(), first.line(), first.column(), "line " + first.line() + ", column "
                    + first.column() + ": " + first.message()
                    + (more == 0 ? "" : " (and " + more + " more problem" + (more == 1 ? "" : "s") + ")"));
        }
        AlertRule rule = file.rules().get(0);
        boolean existed = rules.get(name).isPresent();
        Rule record = rule.toAvro(clock.instant(), author);
        rules.put(name, record);
        LOG.info("rule {} {} by {}: {}", name, existed ? "replaced" : "created", author, rule.conditionText());
        return new Written(record, !existed);
    }

    /** Deletes a rule (a tombstone); {@link NotFoundResponse} when there is none. */
    public void delete(String name, String author) {
        rule(name);
        rules.delete(name);
        LOG.info("rule {} deleted by {}", name, author);
    }

    /** A rule name as the checker accepts it in a file, or a 400 with the checker's message. */
    private void checkName(String name) {
        String probe;
        try {
            probe = "{\"name\": " + InteractiveQueries.JSON.writeValueAsString(name) + "}";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ApiErrors.badParameter("name", "the rule name cannot be read");
        }
        checker.checkRule(probe, "path").problems().stream()
                .filter(p -> p.field().equals("name"))
                .findFirst()
                .ifPresent(p -> {
                    throw ApiErrors.badParameter("name", p.message());
                });
    }

    /**
     * The body with {@code "name"} added as its last key: after everything the client wrote, so that every line and
     * column the checker reports is one of the body as sent. {@code name} passed {@link #checkName}: nothing to
     * escape.
     */
    private static String withName(String body, String name, boolean empty) {
        int end = body.lastIndexOf('}');
        return body.substring(0, end) + (empty ? "" : ", ") + "\"name\": \"" + name + "\"" + body.substring(end);
    }
}
