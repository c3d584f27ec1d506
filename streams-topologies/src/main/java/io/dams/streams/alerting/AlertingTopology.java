package io.dams.streams.alerting;

import io.dams.streams.TopicSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.Topology;

/** The alerting job (being built). */
public final class AlertingTopology {

    private AlertingTopology() {
    }

    public static Topology build(AlertingSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        throw new UnsupportedOperationException("the alerting job is not built yet");
    }
}
