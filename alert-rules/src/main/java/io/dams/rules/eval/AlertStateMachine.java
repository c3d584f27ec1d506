package io.dams.rules.eval;

import io.dams.schemas.avro.AlertState;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The state of one alert (rule × group) and how an evaluation moves it, as Prometheus's alerting rules do:
 *
 * <pre>
 *   inactive/resolved --true--&gt; pending                (duration &gt; 0)
 *   inactive/resolved --true--&gt; firing                 (duration = 0: fires at once, no pending step)
 *   pending  --true, held for &gt;= duration--&gt; firing   (held since the observation that made it pending)
 *   pending  --false--&gt; inactive                       (stopped before duration)
 *   firing   --false--&gt; resolved
 * </pre>
 *
 * "Held for duration" is measured between observations: an alert that became pending at t fires at the first true
 * observation at or after {@code t + duration}; exactly {@code t + duration} fires. Observations are taken at
 * non-decreasing times: one earlier than the last is stale (a late sample's re-evaluation) and changes nothing. A
 * deleted rule resolves its alerts by observing {@code false}.
 *
 * @param activeSinceMs  when the condition became true, while pending or firing
 * @param lastObservedMs the time of the last observation taken into account
 */
public record AlertStateMachine(AlertState state, OptionalLong activeSinceMs, OptionalLong lastObservedMs) {

    public AlertStateMachine {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(activeSinceMs, "activeSinceMs");
        Objects.requireNonNull(lastObservedMs, "lastObservedMs");
        boolean active = state == AlertState.PENDING || state == AlertState.FIRING;
        if (active != activeSinceMs.isPresent()) {
            throw new IllegalArgumentException(state + (active ? " needs" : " has no") + " activeSince");
        }
    }

    /** A new alert that has never been true. */
    public static AlertStateMachine inactive() {
        return new AlertStateMachine(AlertState.INACTIVE, OptionalLong.empty(), OptionalLong.empty());
    }

    /** One change of state, for {@code dams.alerts.transitions}. */
    public record Transition(AlertState from, AlertState to, long atMs, long activeSinceMs) {
    }

    /** The state after an observation and the transition it caused, if any. */
    public record Step(AlertStateMachine next, Optional<Transition> transition) {
    }

    /**
     * Takes one evaluation into account.
     *
     * @param holds    whether the (effective) condition is true at {@code atMs}
     * @param duration the rule's (effective) duration: how long the condition must hold before firing
     */
    public Step observe(boolean holds, long atMs, Duration duration) {
        if (lastObservedMs.isPresent() && atMs < lastObservedMs.getAsLong()) {
            return new Step(this, Optional.empty());
        }
        OptionalLong now = OptionalLong.of(atMs);
        switch (state) {
            case INACTIVE:
            case RESOLVED: {
                if (!holds) {
                    return new Step(new AlertStateMachine(state, OptionalLong.empty(), now), Optional.empty());
                }
                AlertState to = duration.isZero() || duration.isNegative() ? AlertState.FIRING : AlertState.PENDING;
                return move(to, OptionalLong.of(atMs), atMs, atMs);
            }
            case PENDING: {
                long since = activeSinceMs.getAsLong();
                if (!holds) {
                    return move(AlertState.INACTIVE, OptionalLong.empty(), atMs, since);
                }
                if (atMs - since >= duration.toMillis()) {
                    return move(AlertState.FIRING, activeSinceMs, atMs, since);
                }
                return new Step(new AlertStateMachine(state, activeSinceMs, now), Optional.empty());
            }
            case FIRING: {
                long since = activeSinceMs.getAsLong();
                if (!holds) {
                    return move(AlertState.RESOLVED, OptionalLong.empty(), atMs, since);
                }
                return new Step(new AlertStateMachine(state, activeSinceMs, now), Optional.empty());
            }
            default:
                throw new IllegalStateException("unknown state " + state);
        }
    }

    private Step move(AlertState to, OptionalLong activeSince, long atMs, long transitionActiveSince) {
        return new Step(new AlertStateMachine(to, activeSince, OptionalLong.of(atMs)),
                Optional.of(new Transition(state, to, atMs, transitionActiveSince)));
    }
}
