package io.dams.rules.check;

import io.dams.rules.AlertRule;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A checked rule file.
 *
 * @param rules    the rules that passed every check, in file order; when {@link #problems} is not empty the file as a
 *                 whole must not be applied (a rule missing here would be deleted from the catalogue)
 * @param problems every problem found, in line and column order
 */
public record RuleFile(String source, List<AlertRule> rules, List<Problem> problems) {

    public RuleFile {
        rules = List.copyOf(rules);
        problems = problems.stream()
                .sorted(Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column))
                .toList();
    }

    public boolean ok() {
        return problems.isEmpty();
    }

    /** The rules, or {@link RuleFileException} listing every problem. */
    public List<AlertRule> orThrow() {
        if (!ok()) {
            throw new RuleFileException(this);
        }
        return rules;
    }

    /** One line per problem, compiler style, then a count; empty when the file is fine. */
    public String report() {
        if (ok()) {
            return "";
        }
        return problems.stream().map(Problem::toString).collect(Collectors.joining("\n")) + "\n"
                + problems.size() + (problems.size() == 1 ? " error" : " errors") + " in " + source;
    }
}
