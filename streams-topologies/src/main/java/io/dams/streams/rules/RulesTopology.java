package io.dams.streams.rules;

import io.dams.streams.TopicSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.streams.Topology;

/** The rules job (being built). */
public final class RulesTopology {

    private RulesTopology() {
    }

    public static Topology build(RulesSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        throw new UnsupportedOperationException("the rules job is not built yet");
    }
}
