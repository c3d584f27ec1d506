package io.dams.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Skips a record that cannot be decoded, logs one line naming where it is, and counts it in
 * {@code dams_streams_deserialization_errors_total{topic}}: a poisoned record must never stop a stream thread
 * (DESIGN §7). Kafka Streams builds it from its class name; the meter registry comes through the Streams properties
 * under {@link #METER_REGISTRY_CONFIG}.
 */
public final class DeserializationErrors implements DeserializationExceptionHandler {

    /** Streams property holding the {@link MeterRegistry} the counter lives in. */
    public static final String METER_REGISTRY_CONFIG = "dams.meter.registry";
    public static final String METER = "dams.streams.deserialization.errors";

    private static final Logger LOG = LoggerFactory.getLogger(DeserializationErrors.class);

    private MeterRegistry registry;

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METER_REGISTRY_CONFIG) instanceof MeterRegistry meters) {
            registry = meters;
        } else {
            LOG.warn("no meter registry under {}: undecodable records are skipped but not counted",
                    METER_REGISTRY_CONFIG);
        }
    }

    @Override
    public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                 Exception exception) {
        LOG.warn("skipped an undecodable record at {}-{}@{} ({} bytes): {}", record.topic(), record.partition(),
                record.offset(), record.value() == null ? 0 : record.value().length, rootMessage(exception));
        if (registry != null) {
            counter(registry, record.topic()).increment();
        }
        return DeserializationHandlerResponse.CONTINUE;
    }

    /** The counter of one topic's undecodable records. */
    public static Counter counter(MeterRegistry registry, String topic) {
        return Counter.builder(METER)
                .description("Records skipped because they could not be decoded")
                .tag("topic", topic)
                .register(registry);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e) : e + " (" + root + ")";
    }
}
