package io.dams.streams;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;

/** Streams properties for {@code TopologyTestDriver} tests: the production settings that matter to a topology. */
public final class TestDrivers {

    private TestDrivers() {
    }

    public static Properties properties(String applicationId, Path stateDir, MeterRegistry registry) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeserializationErrors.class);
        p.put(DeserializationErrors.METER_REGISTRY_CONFIG, registry);
        return p;
    }
}
