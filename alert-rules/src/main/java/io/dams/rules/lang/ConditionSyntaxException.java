package io.dams.rules.lang;

import java.util.List;
import java.util.stream.Collectors;

/** Condition text that does not parse; the message lists every error with its column. */
public final class ConditionSyntaxException extends IllegalArgumentException {

    private final transient List<ConditionError> errors;

    public ConditionSyntaxException(String text, List<ConditionError> errors) {
        super("invalid condition '" + text + "': " + errors.stream()
                .map(e -> "column " + (e.offset() + 1) + ": " + e.message())
                .collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<ConditionError> errors() {
        return errors;
    }
}
