package io.dams.streams.ingest;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.names.PrometheusNames;
import io.dams.streams.ingest.IngestMetrics.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drops the samples that break the contract (DESIGN §3), or are stamped further ahead of this job's clock than
 * {@code maxFutureSkew}, each alone and counted by reason: a bad sample never costs the good ones beside it. A batch left without samples is dropped (counted {@code empty}).
 */
final class SampleValidator implements Processor<String, MetricBatch, String, MetricBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(SampleValidator.class);

    private final long maxFutureSkewMs;
    private final IngestMetrics metrics;
    private ProcessorContext<String, MetricBatch> context;

    SampleValidator(IngestSettings settings, IngestMetrics metrics) {
        this.maxFutureSkewMs = settings.maxFutureSkew().toMillis();
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, MetricBatch> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, MetricBatch> record) {
        MetricBatch batch = record.value();
        List<Sample> samples = batch.getSamples();
        long newest = context.currentSystemTimeMs() + maxFutureSkewMs;
        List<Sample> valid = null;
        for (int i = 0; i < samples.size(); i++) {
            Sample sample = samples.get(i);
            Rejection reason = check(sample, newest);
            if (reason == null) {
                if (valid != null) {
                    valid.add(sample);
                }
                continue;
            }
            if (valid == null) {
                valid = new ArrayList<>(samples.subList(0, i));
            }
            metrics.rejectedSamples.get(reason).increment();
            LOG.debug("asset {}: dropped sample {} ({})", record.key(), sample.getName(), reason.tag());
        }
        List<Sample> kept = valid == null ? samples : valid;
        metrics.acceptedSamples.increment(kept.size());
        if (kept.isEmpty()) {
            metrics.empty.increment();
            return;
        }
        context.forward(valid == null ? record
                : record.withValue(new MetricBatch(batch.getAssetId(), batch.getAgentId(), batch.getSeq(),
                        batch.getRegion(), batch.getSentAt(), batch.getReceivedAt(), kept, batch.getSite(),
                        batch.getTags())));
    }

    /** The first rule a sample breaks, or null. */
    static Rejection check(Sample sample, long newest) {
        if (!PrometheusNames.isMetricName(sample.getName())) {
            return Rejection.INVALID_METRIC_NAME;
        }
        for (Map.Entry<String, String> label : sample.getLabels().entrySet()) {
            if (!PrometheusNames.isLabelName(label.getKey())) {
                return Rejection.INVALID_LABEL_NAME;
            }
        }
        if (!Double.isFinite(sample.getValue())) {
            return Rejection.NON_FINITE_VALUE;
        }
        if (sample.getTimestampMs() < 0) {
            return Rejection.INVALID_TIMESTAMP;
        }
        if (sample.getTimestampMs() > newest) {
            return Rejection.TIMESTAMP_TOO_NEW;
        }
        return null;
    }
}
