package io.dams.streams.ingest;

import io.dams.schemas.names.PrometheusNames;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.ingest.IngestMetrics.Rejection;
import java.util.BitSet;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops the samples that break the contract (DESIGN §3), or are stamped further ahead of this job's clock than
 * {@code maxFutureSkew}, each alone and counted by reason: a bad sample never costs the good ones beside it. A batch left without samples is dropped (counted {@code empty}).
 */
final class SampleValidator implements Processor<String, AvroBatch, String, AvroBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(SampleValidator.class);

    private final long maxFutureSkewMs;
    private final IngestMetrics metrics;
    private ProcessorContext<String, AvroBatch> context;

    SampleValidator(IngestSettings settings, IngestMetrics metrics) {
        this.maxFutureSkewMs = settings.maxFutureSkew().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, AvroBatch> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        AvroBatch batch = record.value();
        long newest = context.currentSystemTimeMs() + maxFutureSkewMs;
        BitSet dropped = null;
        for (int i = 0; i < batch.size(); i++) {
            Rejection reason = check(batch, i, newest);
            if (reason == null) {
                continue;
            }
            if (dropped == null) {
                dropped = new BitSet(batch.size());
            }
            dropped.set(i);
            metrics.rejectedSamples.get(reason).increment();
            LOG.debug("asset {}: dropped sample {} ({})", record.key(), batch.name(i), reason.tag());
        }
        int kept = batch.size() - (dropped == null ? 0 : dropped.cardinality());
        metrics.acceptedSamples.increment(kept);
        if (kept == 0) {
            metrics.empty.increment();
            return;
        }
        context.forward(dropped == null ? record : record.withValue(batch.without(dropped)));
    }

    /** The first rule sample {@code i} of {@code batch} breaks, or null. */
    static Rejection check(AvroBatch batch, int i, long newest) {
        int names = batch.checkNames(i, NAMES);
        if (names >= 0) {
            return REJECTIONS[names];
        }
        if (!Double.isFinite(batch.value(i))) {
            return Rejection.NON_FINITE_VALUE;
        }
        long timestamp = batch.timestamp(i);
        if (timestamp < 0) {
            return Rejection.INVALID_TIMESTAMP;
        }
        if (timestamp > newest) {
            return Rejection.TIMESTAMP_TOO_NEW;
        }
        return null;
    }

    private static final Rejection[] REJECTIONS = Rejection.values();

    /** The Prometheus rules for names, on their UTF-8 bytes as they lie in the batch. */
    private static final AvroBatch.NameCheck NAMES = new AvroBatch.NameCheck() {
        @Override
        public int metricName(byte[] bytes, int at, int length) {
            return PrometheusNames.isMetricName(bytes, at, length) ? -1 : Rejection.INVALID_METRIC_NAME.ordinal();
        }

        @Override
        public int labelName(byte[] bytes, int at, int length) {
            return PrometheusNames.isLabelName(bytes, at, length) ? -1 : Rejection.INVALID_LABEL_NAME.ordinal();
        }
    };
}
