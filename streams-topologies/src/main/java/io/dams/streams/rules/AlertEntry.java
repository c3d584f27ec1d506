package io.dams.streams.rules;

import io.dams.rules.eval.AlertStateMachine;
import io.dams.schemas.avro.AlertState;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One alert's state machine and the facts of its rule. Only alerts that have been active are kept: an inactive one
 * that never fired is the same as none.
 */
record AlertEntry(AlertStateMachine machine, AlertFacts facts) {

    /**
     * The transition that ends the alert because its rule is gone (firing → resolved, pending → inactive), taken at
     * {@code atMs} or, if that is earlier, at its last observation; empty when it was no longer active.
     */
    Optional<AlertStateMachine.Transition> retire(long atMs) {
        long at = Math.max(atMs, machine.lastObservedMs().orElse(atMs));
        return machine.observe(false, at, Duration.ZERO).transition();
    }

    void write(StateOutput out) {
        StateSerde.writeString(out, machine.state().name());
        writeOptional(out, machine.activeSinceMs());
        writeOptional(out, machine.lastObservedMs());
        facts.write(out);
    }

    static AlertEntry read(ByteBuffer in) throws IOException {
        AlertStateMachine machine = new AlertStateMachine(AlertState.valueOf(StateSerde.readString(in)),
                readOptional(in), readOptional(in));
        return new AlertEntry(machine, AlertFacts.read(in));
    }

    private static void writeOptional(StateOutput out, OptionalLong value) {
        out.writeBoolean(value.isPresent());
        out.writeLong(value.orElse(0));
    }

    private static OptionalLong readOptional(ByteBuffer in) {
        boolean present = in.get() != 0;
        long value = in.getLong();
        return present ? OptionalLong.of(value) : OptionalLong.empty();
    }
}
