package io.dams.rules.lang;

import java.util.List;
import java.util.Optional;

/** What {@link ConditionParser#parse} found: the condition when the text has no error, else every error found. */
public record ParsedCondition(Optional<Condition> condition, List<ConditionError> errors) {

    public ParsedCondition {
        errors = List.copyOf(errors);
        if (condition.isPresent() == !errors.isEmpty()) {
            throw new IllegalArgumentException("a parsed condition has either a value or errors");
        }
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    /** The condition, or {@link ConditionSyntaxException} naming every error. */
    public Condition orThrow(String text) {
        return condition.orElseThrow(() -> new ConditionSyntaxException(text, errors));
    }
}
