package io.dams.rules.lang;

/**
 * One problem in condition text.
 *
 * @param offset  where it starts, as a char index into the condition text ({@code length()} for its end)
 * @param length  how many chars it covers (at least 0)
 * @param message what is wrong and how to fix it
 */
public record ConditionError(int offset, int length, String message) {
}
