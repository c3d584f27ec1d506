package io.dams.rules.check;

import java.util.List;

/** A rule file with problems, used where rules are required; the message lists every problem. */
public final class RuleFileException extends IllegalArgumentException {

    private final transient RuleFile file;

    public RuleFileException(RuleFile file) {
        super(file.report());
        this.file = file;
    }

    public List<Problem> problems() {
        return file.problems();
    }
}
