package io.dams.streams.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import org.junit.jupiter.api.Test;

class StateInputTest {

    @Test
    void shouldReadWhatDataOutputStreamWritesAndStateOutputWritesTheSame() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(bytes);
        data.writeByte(-7);
        data.writeInt(0x01020304);
        data.writeInt(-2);
        data.writeLong(Long.MIN_VALUE + 12345);
        data.writeDouble(-0.0);
        data.writeDouble(Double.NaN);
        data.writeDouble(1e300);
        byte[] written = bytes.toByteArray();

        StateInput in = new StateInput(written);
        assertThat(in.get()).isEqualTo((byte) -7);
        assertThat(in.getInt()).isEqualTo(0x01020304);
        assertThat(in.getInt()).isEqualTo(-2);
        assertThat(in.getLong()).isEqualTo(Long.MIN_VALUE + 12345);
        assertThat(Double.doubleToRawLongBits(in.getDouble())).isEqualTo(Double.doubleToRawLongBits(-0.0));
        assertThat(in.getDouble()).isNaN();
        assertThat(in.getDouble()).isEqualTo(1e300);
        assertThat(in.remaining()).isZero();

        StateOutput out = new StateOutput();
        out.writeByte(-7);
        out.writeInt(0x01020304);
        out.writeInt(-2);
        out.writeLong(Long.MIN_VALUE + 12345);
        out.writeDouble(-0.0);
        out.writeDouble(Double.NaN);
        out.writeDouble(1e300);
        assertThat(out.toByteArray()).isEqualTo(written);
    }

    @Test
    void shouldRefuseToReadPastTheEndWithoutMoving() {
        StateInput in = new StateInput(new byte[] {0, 0, 0, 1, 9, 9, 9});
        assertThat(in.getInt()).isEqualTo(1);

        assertThatThrownBy(in::getInt).isInstanceOf(BufferUnderflowException.class);
        assertThat(in.position()).as("a failed read does not move").isEqualTo(4);
        assertThatThrownBy(in::getLong).isInstanceOf(BufferUnderflowException.class);
        assertThatThrownBy(() -> in.position(8)).isInstanceOf(IllegalArgumentException.class);
        in.position(7);
        assertThatThrownBy(in::get).isInstanceOf(BufferUnderflowException.class);
    }

    @Test
    void shouldGrowItsBufferAcrossManyNumbers() {
        StateOutput out = new StateOutput();
        for (long i = 0; i < 1000; i++) {
            out.writeLong(i * 31);
        }
        StateInput in = new StateInput(out.toByteArray());
        for (long i = 0; i < 1000; i++) {
            assertThat(in.getLong()).isEqualTo(i * 31);
        }
    }
}
