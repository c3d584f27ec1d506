package io.dams.bridge;

import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;

/** Agent batches with awkward content, for tests that compare two ways of reading or writing them. */
public final class RandomBatches {

    private RandomBatches() {
    }

    /**
     * Up to 120 samples of up to 6 labels each; texts of 1- to 4-byte UTF-8 characters, numbers at their extremes.
     *
     * @param distinctLabelNames whether a sample's labels have distinct names, as validation guarantees for what it
     *                           accepts (an Avro map cannot hold a name twice), or may repeat one, as an agent may send
     */
    public static Batch batch(Random random, boolean distinctLabelNames) {
        Batch.Builder batch = Batch.newBuilder().setAssetId(text(random)).setAgentId(text(random))
                .setSeq(anyLong(random)).setRegion(text(random)).setSentAtMs(anyLong(random));
        int samples = random.nextInt(121);
        for (int i = 0; i < samples; i++) {
            Sample.Builder sample = Sample.newBuilder().setName(text(random)).setTimestampMs(anyLong(random))
                    .setValue(anyDouble(random));
            Set<String> names = new HashSet<>();
            int labels = random.nextInt(7);
            while (sample.getLabelsCount() < labels) {
                String name = text(random);
                if (names.add(name) || !distinctLabelNames) {
                    sample.addLabels(Label.newBuilder().setName(name).setValue(text(random)));
                }
            }
            batch.addSamples(sample);
        }
        return batch.build();
    }

    /** Empty a quarter of the time, now and then long enough for a two-byte length; 1- to 4-byte UTF-8 characters. */
    public static String text(Random random) {
        if (random.nextInt(4) == 0) {
            return "";
        }
        int length = random.nextInt(20) == 0 ? 64 + random.nextInt(200) : 1 + random.nextInt(12);
        StringBuilder text = new StringBuilder(length * 2);
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(5)) {
                case 0, 1 -> text.append((char) random.nextInt(0x80));
                case 2 -> text.append((char) (0xA0 + random.nextInt(0x700)));
                case 3 -> text.append((char) (0x4E00 + random.nextInt(0x5000)));
                default -> text.appendCodePoint(0x1F300 + random.nextInt(0x300));
            }
        }
        return text.toString();
    }

    public static long anyLong(Random random) {
        return switch (random.nextInt(7)) {
            case 0 -> Long.MIN_VALUE;
            case 1 -> Long.MAX_VALUE;
            case 2 -> 0;
            case 3 -> random.nextInt(256) - 128;
            case 4 -> 1_700_000_000_000L + random.nextInt();
            default -> random.nextLong();
        };
    }

    public static double anyDouble(Random random) {
        return switch (random.nextInt(11)) {
            case 0 -> -0.0;
            case 1 -> 0.0;
            case 2 -> Double.MAX_VALUE;
            case 3 -> -Double.MAX_VALUE;
            case 4 -> Double.MIN_VALUE;
            case 5 -> Double.POSITIVE_INFINITY;
            case 6 -> random.nextDouble() * 1e300;
            case 7 -> Double.NaN;
            default -> random.nextGaussian() * 1_000;
        };
    }
}
