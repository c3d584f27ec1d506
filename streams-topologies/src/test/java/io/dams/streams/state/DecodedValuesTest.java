package io.dams.streams.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real (in-memory) Kafka Streams store whose value serde counts what it decodes. */
class DecodedValuesTest {

    private final AtomicInteger decodes = new AtomicInteger();
    private final Serde<String> countingSerde = Serdes.serdeFrom(new StringSerializer(), (topic, data) -> {
        decodes.incrementAndGet();
        return data == null ? null : new String(data, StandardCharsets.UTF_8);
    });
    private KeyValueStore<String, String> store;

    @BeforeEach
    void openStore() {
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("values"), Serdes.String(), countingSerde)
                .withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
    }

    @Test
    void shouldHandBackWhatItWroteWithoutDecodingAndStillWriteTheStore() {
        DecodedValues<String, String> values = new DecodedValues<>(store, String::length, 100);
        String written = new String("abc".toCharArray());
        values.put("a1", written);

        assertThat(values.get("a1")).isSameAs(written);
        assertThat(decodes).hasValue(0);
        assertThat(store.get("a1")).as("the store has it too").isEqualTo("abc");
    }

    @Test
    void shouldDecodeAValueFromTheStoreOnceThenKeepIt() {
        store.put("a1", "abc");
        DecodedValues<String, String> values = new DecodedValues<>(store, String::length, 100);

        assertThat(values.get("a1")).isEqualTo("abc");
        assertThat(values.get("a1")).isEqualTo("abc");
        assertThat(values.get("missing")).isNull();
        assertThat(decodes).as("one decode, for a1").hasValue(1);
    }

    @Test
    void shouldReadNewKeysFromTheStoreWhileFullAndKeepThemOnceADeleteMadeRoom() {
        DecodedValues<String, String> values = new DecodedValues<>(store, String::length, 5);
        values.put("a1", "abc");
        values.put("a2", "xyz"); // 3 + 3 > 5: written, not kept

        values.get("a2");
        values.get("a2");
        assertThat(decodes).as("a2 decoded each time while there is no room").hasValue(2);
        assertThat(values.size()).isEqualTo(1);

        values.delete("a1");
        assertThat(store.get("a1")).isNull();
        values.get("a2");
        values.get("a2");
        assertThat(decodes).as("after the delete, a2 decoded once more and then kept").hasValue(3);
        assertThat(values.size()).isEqualTo(1);
    }

    @Test
    void shouldStopKeepingAValueThatOutgrowsTheRoom() {
        DecodedValues<String, String> values = new DecodedValues<>(store, String::length, 5);
        values.put("a1", "abc");
        values.put("a1", "abcdefg");

        assertThat(values.get("a1")).isEqualTo("abcdefg");
        assertThat(decodes).as("read from the store, not a stale kept value").hasValue(1);
        assertThat(values.size()).isZero();
    }

    @Test
    void shouldForgetEverythingOnClear() {
        DecodedValues<String, String> values = new DecodedValues<>(store, String::length, 100);
        values.put("a1", "abc");
        store.put("a1", "restored"); // what a restoration would leave behind
        values.clear();

        assertThat(values.get("a1")).isEqualTo("restored");
    }
}
