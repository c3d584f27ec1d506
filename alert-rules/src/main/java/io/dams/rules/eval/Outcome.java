package io.dams.rules.eval;

import java.util.OptionalDouble;

/**
 * A condition's verdict for one alert group at one evaluation.
 *
 * @param holds     whether the condition is true
 * @param value     the aggregate that decided it (for and: the left side's; for or: the first side that holds; for
 *                  absent: 1 when it holds), empty when there was nothing to aggregate
 * @param threshold the threshold {@code value} was compared with, empty for absent
 */
public record Outcome(boolean holds, OptionalDouble value, OptionalDouble threshold) {

    /** Nothing to say: the group had no matching sample. */
    public static final Outcome NO_DATA = new Outcome(false, OptionalDouble.empty(), OptionalDouble.empty());
}
