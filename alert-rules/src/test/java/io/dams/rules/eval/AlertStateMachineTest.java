package io.dams.rules.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.rules.eval.AlertStateMachine.Step;
import io.dams.rules.eval.AlertStateMachine.Transition;
import io.dams.schemas.avro.AlertState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AlertStateMachineTest {

    private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
    private static final long T0 = 1_700_000_000_000L;
    private static final long MINUTE = 60_000;

    @Test
    void shouldStayInactiveWhileTheConditionIsFalse() {
        Step step = AlertStateMachine.inactive().observe(false, T0, FIVE_MINUTES);
        assertThat(step.next().state()).isEqualTo(AlertState.INACTIVE);
        assertThat(step.transition()).isEmpty();
    }

    @Test
    void shouldFireAtOnceWithoutPendingWhenTheDurationIsZero() {
        Step step = AlertStateMachine.inactive().observe(true, T0, Duration.ZERO);
        assertThat(step.next()).isEqualTo(new AlertStateMachine(AlertState.FIRING, OptionalLong.of(T0),
                OptionalLong.of(T0)));
        assertThat(step.transition()).contains(new Transition(AlertState.INACTIVE, AlertState.FIRING, T0, T0));
    }

    @Test
    void shouldFireWhenTheConditionHasHeldForExactlyTheDuration() {
        Step pending = AlertStateMachine.inactive().observe(true, T0, FIVE_MINUTES);
        assertThat(pending.transition()).contains(new Transition(AlertState.INACTIVE, AlertState.PENDING, T0, T0));

        Step almost = pending.next().observe(true, T0 + 5 * MINUTE - 1, FIVE_MINUTES);
        assertThat(almost.next().state()).isEqualTo(AlertState.PENDING);
        assertThat(almost.transition()).isEmpty();

        Step fires = almost.next().observe(true, T0 + 5 * MINUTE, FIVE_MINUTES);
        assertThat(fires.next().state()).isEqualTo(AlertState.FIRING);
        assertThat(fires.transition()).contains(
                new Transition(AlertState.PENDING, AlertState.FIRING, T0 + 5 * MINUTE, T0));

        Step stays = fires.next().observe(true, T0 + 6 * MINUTE, FIVE_MINUTES);
        assertThat(stays.next().state()).isEqualTo(AlertState.FIRING);
        assertThat(stays.transition()).isEmpty();
    }

    @Test
    void shouldFireAtTheFirstTrueObservationPastTheDuration() {
        Step pending = AlertStateMachine.inactive().observe(true, T0, FIVE_MINUTES);
        Step fires = pending.next().observe(true, T0 + 7 * MINUTE, FIVE_MINUTES);
        assertThat(fires.transition()).contains(
                new Transition(AlertState.PENDING, AlertState.FIRING, T0 + 7 * MINUTE, T0));
    }

    @Test
    void shouldGoBackToInactiveWhenItStopsHoldingBeforeTheDuration() {
        Step pending = AlertStateMachine.inactive().observe(true, T0, FIVE_MINUTES);
        Step stops = pending.next().observe(false, T0 + 5 * MINUTE - 1, FIVE_MINUTES);
        assertThat(stops.next()).isEqualTo(new AlertStateMachine(AlertState.INACTIVE, OptionalLong.empty(),
                OptionalLong.of(T0 + 5 * MINUTE - 1)));
        assertThat(stops.transition()).contains(
                new Transition(AlertState.PENDING, AlertState.INACTIVE, T0 + 5 * MINUTE - 1, T0));
    }

    @Test
    void shouldResolveAFiringAlertAndPendAgainWhenItReturns() {
        AlertStateMachine firing = AlertStateMachine.inactive().observe(true, T0, Duration.ZERO).next();
        Step resolved = firing.observe(false, T0 + MINUTE, FIVE_MINUTES);
        assertThat(resolved.next().state()).isEqualTo(AlertState.RESOLVED);
        assertThat(resolved.next().activeSinceMs()).isEmpty();
        assertThat(resolved.transition()).contains(
                new Transition(AlertState.FIRING, AlertState.RESOLVED, T0 + MINUTE, T0));

        Step quiet = resolved.next().observe(false, T0 + 2 * MINUTE, FIVE_MINUTES);
        assertThat(quiet.next().state()).isEqualTo(AlertState.RESOLVED);
        assertThat(quiet.transition()).isEmpty();

        Step again = quiet.next().observe(true, T0 + 3 * MINUTE, FIVE_MINUTES);
        assertThat(again.transition()).contains(
                new Transition(AlertState.RESOLVED, AlertState.PENDING, T0 + 3 * MINUTE, T0 + 3 * MINUTE));
    }

    @Test
    void shouldNeverFireAFlappingConditionAndRestartItsClockEachTime() {
        // true for 4 minutes, false for 1, five times over: never 5 minutes in a row.
        AlertStateMachine alert = AlertStateMachine.inactive();
        List<Transition> transitions = new ArrayList<>();
        for (int minute = 0; minute < 25; minute++) {
            Step step = alert.observe(minute % 5 != 4, T0 + minute * MINUTE, FIVE_MINUTES);
            step.transition().ifPresent(transitions::add);
            alert = step.next();
        }
        assertThat(transitions).extracting(Transition::to).containsExactly(
                AlertState.PENDING, AlertState.INACTIVE, AlertState.PENDING, AlertState.INACTIVE,
                AlertState.PENDING, AlertState.INACTIVE, AlertState.PENDING, AlertState.INACTIVE,
                AlertState.PENDING, AlertState.INACTIVE);
        assertThat(transitions).filteredOn(t -> t.to() == AlertState.PENDING)
                .extracting(Transition::activeSinceMs)
                .containsExactly(T0, T0 + 5 * MINUTE, T0 + 10 * MINUTE, T0 + 15 * MINUTE, T0 + 20 * MINUTE);
    }

    @Test
    void shouldFlapBetweenFiringAndResolvedWithoutDuration() {
        AlertStateMachine alert = AlertStateMachine.inactive();
        List<AlertState> states = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Step step = alert.observe(i % 2 == 0, T0 + i * MINUTE, Duration.ZERO);
            step.transition().ifPresent(t -> states.add(t.to()));
            alert = step.next();
        }
        assertThat(states).containsExactly(AlertState.FIRING, AlertState.RESOLVED, AlertState.FIRING,
                AlertState.RESOLVED);
    }

    @Test
    void shouldIgnoreAnObservationOlderThanTheLast() {
        AlertStateMachine pending = AlertStateMachine.inactive().observe(true, T0, FIVE_MINUTES).next();
        AlertStateMachine later = pending.observe(true, T0 + 2 * MINUTE, FIVE_MINUTES).next();
        Step stale = later.observe(false, T0 + MINUTE, FIVE_MINUTES);
        assertThat(stale.next()).isEqualTo(later);
        assertThat(stale.transition()).isEqualTo(Optional.empty());
    }

    @Test
    void shouldApplyAShortenedDurationAtTheNextObservation() {
        AlertStateMachine pending = AlertStateMachine.inactive().observe(true, T0, Duration.ofHours(1)).next();
        Step step = pending.observe(true, T0 + 2 * MINUTE, Duration.ofMinutes(2));
        assertThat(step.transition()).contains(
                new Transition(AlertState.PENDING, AlertState.FIRING, T0 + 2 * MINUTE, T0));
    }

    @Test
    void shouldResolveWhenTheRuleIsDeleted() {
        AlertStateMachine firing = AlertStateMachine.inactive().observe(true, T0, Duration.ZERO).next();
        assertThat(firing.observe(false, T0 + 1, Duration.ZERO).transition().map(Transition::to))
                .contains(AlertState.RESOLVED);
    }
}
