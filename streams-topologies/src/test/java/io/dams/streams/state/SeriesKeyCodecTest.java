package io.dams.streams.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.streams.SeriesKey;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeriesKeyCodecTest {

    final SeriesKeyCodec codec = new SeriesKeyCodec();

    static byte[] written(SeriesKeyCodec codec, SeriesKey... keys) {
        StateOutput out = new StateOutput();
        for (SeriesKey key : keys) {
            codec.write(out, key);
        }
        return out.toByteArray();
    }

    static byte[] formatOne(String name, Map<String, String> labels) {
        byte[] value = FormatOne.value(out -> {
            FormatOne.string(out, name);
            FormatOne.map(out, new TreeMap<>(labels));
        });
        return java.util.Arrays.copyOfRange(value, 1, value.length);
    }

    @Test
    void shouldWriteTheNameThenTheSortedLabelsAsFormatOne() {
        SeriesKey key = SeriesKey.of("disk_used_bytes", Map.of("mount", "/var", "device", "sda1"));

        assertThat(written(codec, key)).isEqualTo(formatOne("disk_used_bytes", Map.of("device", "sda1", "mount", "/var")));
        assertThat(written(codec, key)).as("from what it remembered").isEqualTo(written(new SeriesKeyCodec(), key));
    }

    @Test
    void shouldReadEachSeriesOnceAndTheSameInstanceAfterwards() throws IOException {
        SeriesKey cpu0 = SeriesKey.of("cpu_core_percent", Map.of("core", "0"));
        SeriesKey cpu1 = SeriesKey.of("cpu_core_percent", Map.of("core", "1"));
        SeriesKey up = SeriesKey.of("up", Map.of());
        byte[] bytes = written(new SeriesKeyCodec(), cpu0, cpu1, up);

        ByteBuffer first = ByteBuffer.wrap(bytes);
        SeriesKey a = codec.read(first);
        SeriesKey b = codec.read(first);
        SeriesKey c = codec.read(first);
        ByteBuffer again = ByteBuffer.wrap(bytes);

        assertThat(first.hasRemaining()).isFalse();
        assertThat(a).isEqualTo(cpu0);
        assertThat(b).as("one byte apart, another series").isEqualTo(cpu1);
        assertThat(c).isEqualTo(up);
        assertThat(codec.read(again)).isSameAs(a);
        assertThat(codec.read(again)).isSameAs(b);
        assertThat(codec.read(again)).isSameAs(c);
    }

    @Test
    void shouldReadAKeyInTheMiddleOfAValue() throws IOException {
        SeriesKey key = SeriesKey.of("network_receive_bytes_per_second", Map.of("interface", "eth0"));
        StateOutput out = new StateOutput();
        out.writeLong(42);
        codec.write(out, key);
        out.writeDouble(1.5);
        ByteBuffer in = ByteBuffer.wrap(out.toByteArray());

        assertThat(in.getLong()).isEqualTo(42);
        assertThat(codec.read(in)).isEqualTo(key);
        assertThat(in.getDouble()).isEqualTo(1.5);
    }

    @Test
    void shouldStartAgainPastItsLimitAndStillReadEveryKey() throws IOException {
        for (int i = 0; i <= SeriesKeyCodec.MAX_KEYS + 10; i++) {
            SeriesKey key = SeriesKey.of("m", Map.of("i", Integer.toString(i)));
            assertThat(codec.read(ByteBuffer.wrap(written(codec, key)))).isEqualTo(key);
        }
        assertThat(codec.remembered()).isBetween(1, SeriesKeyCodec.MAX_KEYS);
    }

    @Test
    void shouldRefuseAKeyCutShort() {
        byte[] whole = written(codec, SeriesKey.of("cpu_percent", Map.of("core", "3")));
        ByteBuffer cut = ByteBuffer.wrap(java.util.Arrays.copyOf(whole, whole.length - 2));

        assertThatThrownBy(() -> codec.read(cut)).isInstanceOfAny(IOException.class, BufferUnderflowException.class);
    }
}
