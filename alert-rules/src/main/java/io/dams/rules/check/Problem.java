package io.dams.rules.check;

/**
 * One thing wrong in a rule file, where it is and how to fix it.
 *
 * @param source  the file (or request) name
 * @param line    1-based line in the source
 * @param column  1-based column in that line, counted in Unicode code points
 * @param field   where in the document: {@code rules[2].condition}, {@code rules[0].overrides[1].region}; empty for
 *                the document itself
 * @param message what is wrong and how to fix it
 */
public record Problem(String source, int line, int column, String field, String message) {

    /** Compiler style: {@code policies.yaml:12:17: error: unknown aggregate 'median'; ...}. */
    @Override
    public String toString() {
        return source + ":" + line + ":" + column + ": error: " + message;
    }
}
