package io.dams.bridge.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InFlightBudgetTest {

    private final InFlightBudget budget = new InFlightBudget(100);
    private final List<String> ran = new ArrayList<>();

    @Test
    void shouldLetStreamsReadWhileUnderTheBound() {
        budget.take(99);

        budget.whenRoom(() -> ran.add("a"));

        assertThat(ran).containsExactly("a");
        assertThat(budget.waits()).isZero();
    }

    @Test
    void shouldHoldStreamsAtTheBoundAndLetThemGoInArrivalOrderOnceBelow() {
        budget.take(60);
        budget.take(60);
        budget.whenRoom(() -> ran.add("a"));
        budget.whenRoom(() -> ran.add("b"));
        assertThat(ran).isEmpty();
        assertThat(budget.waiting()).isEqualTo(2);

        budget.release(10);
        assertThat(ran).as("still at 110 of 100").isEmpty();
        budget.release(60);

        assertThat(ran).containsExactly("a", "b");
        assertThat(budget.used()).isEqualTo(50);
        assertThat(budget.waiting()).isZero();
        assertThat(budget.waits()).isEqualTo(2);
    }

    @Test
    void shouldRefuseANonPositiveBound() {
        assertThatThrownBy(() -> new InFlightBudget(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
