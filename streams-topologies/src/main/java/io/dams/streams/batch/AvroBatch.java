package io.dams.streams.batch;

import io.dams.schemas.avro.MetricBatch;
import io.dams.streams.SeriesKey;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One {@link MetricBatch} as its Avro binary, read in place: the header fields are decoded, each sample's timestamp and
 * value too, and each sample's name and labels stay bytes (a batch's {@link SeriesLayout} names its series once for every
 * batch with the same ones). The Streams jobs see every sample of every batch; building a record with a string
 * per name, a map per sample and a string per label, then encoding it all again for the next topic, was most of their
 * CPU. Enriching a batch copies its samples as they lie; so does dropping a sample.
 *
 * <p>The fields are those of {@code MetricBatch.avsc}, in its order (asset_id, agent_id, seq, region, sent_at,
 * received_at, samples, site, tags; a sample is name, labels, timestamp_ms, value); a change to that schema must be
 * made here too ({@code AvroBatchTest} compares this reader with Avro's on every field). Bytes written with another
 * schema never reach it: {@link AvroBatchSerde} turns those into this schema's bytes first. Immutable.
 */
public final class AvroBatch {

    /** The Avro union branch of {@code site} that says null. */
    private static final int SITE_NULL = 0;

    private final byte[] bytes;
    private final int offset;
    private final int end;

    private final String assetId;
    private final String agentId;
    private final long seq;
    private final String region;
    /** Where the region field (its length, then its bytes) starts and ends. */
    private final int regionFieldAt;
    private final int regionFieldEnd;
    private final long sentAt;
    private final long receivedAt;
    /** Where the samples array starts. */
    private final int samplesAt;
    /** Where the samples array (its blocks and their counts) ends; site and tags follow. */
    private final int samplesEnd;

    private final int count;
    /**
     * Per sample, where it starts, where its name and labels end, and where it ends, counted from {@link #samplesAt}:
     * a batch made from this one by changing its header shares them.
     */
    private final int[] sampleAt;
    private final int[] seriesEnd;
    private final int[] sampleEnd;
    private final long[] timestamps;
    private final double[] values;
    private final long newest;
    /** Whether the bytes before {@link #offset} are this batch's own, to write a frame into ({@link #framed}). */
    private final boolean framable;

    private static final int[] NO_INTS = new int[0];
    private static final long[] NO_LONGS = new long[0];
    private static final double[] NO_DOUBLES = new double[0];
    /** Room left before the batches it makes, for the registry's framing (magic byte and schema id). */
    static final int FRAME_ROOM = 5;

    private AvroBatch(byte[] bytes, int offset, int end) {
        this.bytes = bytes;
        this.offset = offset;
        this.end = end;
        Reader in = new Reader(bytes, offset, end);
        this.assetId = in.readString("asset_id");
        this.agentId = in.readString("agent_id");
        this.seq = in.readLong("seq");
        this.regionFieldAt = in.at;
        this.region = in.readString("region");
        this.regionFieldEnd = in.at;
        this.sentAt = in.readLong("sent_at");
        this.receivedAt = in.readLong("received_at");
        this.samplesAt = in.at;

        int[] starts = NO_INTS;
        int[] seriesEnds = NO_INTS;
        int[] ends = NO_INTS;
        long[] times = NO_LONGS;
        double[] vals = NO_DOUBLES;
        int n = 0;
        long newestSoFar = Long.MIN_VALUE;
        for (long block = in.readBlockCount("samples"); block != 0; block = in.readBlockCount("samples")) {
            // Usually one block: the arrays are made once, at its size.
            int capacity = (int) Math.min(Integer.MAX_VALUE - 8, n + block);
            starts = Arrays.copyOf(starts, capacity);
            seriesEnds = Arrays.copyOf(seriesEnds, capacity);
            ends = Arrays.copyOf(ends, capacity);
            times = Arrays.copyOf(times, capacity);
            vals = Arrays.copyOf(vals, capacity);
            for (long i = 0; i < block; i++) {
                starts[n] = in.at - samplesAt;
                in.skipString("sample name");
                in.skipStringMap("sample labels");
                seriesEnds[n] = in.at - samplesAt;
                times[n] = in.readLong("sample timestamp_ms");
                vals[n] = in.readDouble("sample value");
                ends[n] = in.at - samplesAt;
                newestSoFar = Math.max(newestSoFar, times[n]);
                n++;
            }
        }
        this.samplesEnd = in.at;
        long site = in.readLong("site");
        if (site != SITE_NULL) {
            if (site != 1) {
                throw in.malformed("site: union branch " + site + " of 2");
            }
            in.skipString("site");
        }
        in.skipStringMap("tags");
        if (in.at != end) {
            throw in.malformed((end - in.at) + " bytes after the batch");
        }
        this.count = n;
        this.sampleAt = starts;
        this.seriesEnd = seriesEnds;
        this.sampleEnd = ends;
        this.timestamps = times;
        this.values = vals;
        this.newest = newestSoFar;
        this.framable = false;
    }

    /** {@code from} with another header or trailer around the same samples, which now start at {@code samplesAt}. */
    private AvroBatch(AvroBatch from, byte[] bytes, int offset, int end, String region, int regionFieldAt,
                      int regionFieldEnd, int samplesAt, int samplesEnd) {
        this.bytes = bytes;
        this.offset = offset;
        this.end = end;
        this.assetId = from.assetId;
        this.agentId = from.agentId;
        this.seq = from.seq;
        this.region = region;
        this.regionFieldAt = regionFieldAt;
        this.regionFieldEnd = regionFieldEnd;
        this.sentAt = from.sentAt;
        this.receivedAt = from.receivedAt;
        this.samplesAt = samplesAt;
        this.samplesEnd = samplesEnd;
        this.count = from.count;
        this.sampleAt = from.sampleAt;
        this.seriesEnd = from.seriesEnd;
        this.sampleEnd = from.sampleEnd;
        this.timestamps = from.timestamps;
        this.values = from.values;
        this.newest = from.newest;
        this.framable = true;
    }

    /**
     * Reads the batch in {@code bytes[offset, end)}, which must be a {@code MetricBatch} in this schema's Avro binary.
     * The array is kept, not copied: it must not change afterwards.
     *
     * @throws SerializationException naming the field where the bytes are not such a batch
     */
    public static AvroBatch read(byte[] bytes, int offset, int end) {
        return new AvroBatch(bytes, offset, end);
    }

    /** Reads {@code bytes}, the whole of which must be a {@code MetricBatch} in Avro binary. */
    public static AvroBatch read(byte[] bytes) {
        return new AvroBatch(bytes, 0, bytes.length);
    }

    /** The batch written as Avro binary. */
    public static AvroBatch of(MetricBatch batch) {
        return read(AvroWriting.encode(batch));
    }

    public String assetId() {
        return assetId;
    }

    public String agentId() {
        return agentId;
    }

    public long seq() {
        return seq;
    }

    public String region() {
        return region;
    }

    public long sentAt() {
        return sentAt;
    }

    public long receivedAt() {
        return receivedAt;
    }

    /** How many samples it carries. */
    public int size() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    public long timestamp(int sample) {
        check(sample);
        return timestamps[sample];
    }

    public double value(int sample) {
        check(sample);
        return values[sample];
    }

    /** The newest sample timestamp; {@link Long#MIN_VALUE} for a batch without samples. */
    public long newestTimestamp() {
        return newest;
    }

    /** The series of a sample, made anew (the jobs find series through their {@link SeriesLayout}). */
    public SeriesKey series(int sample) {
        check(sample);
        return SeriesLayout.decode(bytes, samplesAt + sampleAt[sample], samplesAt + seriesEnd[sample]);
    }

    /** How many bytes the sample's name and labels take. */
    int seriesLength(int sample) {
        return seriesEnd[sample] - sampleAt[sample];
    }

    /** Copies the bytes of the sample's name and labels into {@code target} at {@code at}. */
    void copySeries(int sample, byte[] target, int at) {
        System.arraycopy(bytes, samplesAt + sampleAt[sample], target, at, seriesEnd[sample] - sampleAt[sample]);
    }

    /** Whether the sample's name and labels are the bytes {@code other[from, to)}. */
    boolean seriesEquals(int sample, byte[] other, int from, int to) {
        return Arrays.equals(bytes, samplesAt + sampleAt[sample], samplesAt + seriesEnd[sample], other, from, to);
    }

    /** Folds the bytes of the sample's name and labels into a running hash. */
    long hashSeries(int sample, long h) {
        return SeriesLayout.mix(h, bytes, samplesAt + sampleAt[sample], samplesAt + seriesEnd[sample]);
    }

    /** The oldest sample timestamp; {@link Long#MAX_VALUE} for a batch without samples. */
    public long oldestTimestamp() {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            oldest = Math.min(oldest, timestamps[i]);
        }
        return oldest;
    }

    /** The sample's metric name (a new string: for messages, not for the hot path). */
    public String name(int sample) {
        check(sample);
        Reader in = new Reader(bytes, samplesAt + sampleAt[sample], samplesAt + seriesEnd[sample]);
        return in.readString("sample name");
    }

    /**
     * Calls {@code check} with where the sample's name lies, then with where each of its label names lies, in order,
     * and returns the first non-negative answer (or -1): lets a validator look at names as the bytes they are.
     */
    public int checkNames(int sample, NameCheck check) {
        check(sample);
        Reader in = new Reader(bytes, samplesAt + sampleAt[sample], samplesAt + seriesEnd[sample]);
        int length = in.readLength("sample name");
        int verdict = check.metricName(bytes, in.at, length);
        if (verdict >= 0) {
            return verdict;
        }
        in.at += length;
        for (long block = in.readBlockCount("sample labels"); block != 0;
             block = in.readBlockCount("sample labels")) {
            for (long i = 0; i < block; i++) {
                int nameLength = in.readLength("label name");
                verdict = check.labelName(bytes, in.at, nameLength);
                if (verdict >= 0) {
                    return verdict;
                }
                in.at += nameLength;
                in.skipString("label value");
            }
        }
        return -1;
    }

    /** Looks at the bytes of names; answers a non-negative verdict to stop, or -1 to go on. */
    public interface NameCheck {
        int metricName(byte[] bytes, int at, int length);

        int labelName(byte[] bytes, int at, int length);
    }

    /**
     * The same batch without the samples whose bits are set in {@code dropped}; the kept samples' bytes are copied as
     * they are.
     */
    public AvroBatch without(BitSet dropped) {
        int kept = count - dropped.cardinality();
        int keptBytes = 0;
        for (int i = dropped.nextClearBit(0); i < count; i = dropped.nextClearBit(i + 1)) {
            keptBytes += sampleEnd[i] - sampleAt[i];
        }
        AvroWriting out = new AvroWriting(keptBytes + (end - offset) / 8 + 32);
        out.write(bytes, offset, samplesAt - offset);
        if (kept > 0) {
            out.writeLong(kept);
            for (int i = dropped.nextClearBit(0); i < count; i = dropped.nextClearBit(i + 1)) {
                out.write(bytes, samplesAt + sampleAt[i], sampleEnd[i] - sampleAt[i]);
            }
        }
        out.writeLong(0);
        out.write(bytes, samplesEnd, end - samplesEnd);
        return read(out.toByteArray());
    }

    /**
     * The same batch with another region and, after the samples, {@code siteAndTags} (the Avro binary of the site and
     * tags fields, {@link #siteAndTags}); header and samples are copied as they are.
     */
    public AvroBatch enriched(String newRegion, byte[] siteAndTags) {
        byte[] regionBytes = newRegion.getBytes(StandardCharsets.UTF_8);
        int header = regionFieldAt - offset;
        int regionField = varLongLength(regionBytes.length) + regionBytes.length;
        int middle = samplesEnd - regionFieldEnd;
        byte[] out = new byte[FRAME_ROOM + header + regionField + middle + siteAndTags.length];
        int at = FRAME_ROOM;
        System.arraycopy(bytes, offset, out, at, header);
        at += header;
        int newRegionFieldAt = at;
        at = writeVarLong(out, at, regionBytes.length);
        System.arraycopy(regionBytes, 0, out, at, regionBytes.length);
        at += regionBytes.length;
        int newRegionFieldEnd = at;
        System.arraycopy(bytes, regionFieldEnd, out, at, middle);
        at += middle;
        int newSamplesEnd = at;
        System.arraycopy(siteAndTags, 0, out, at, siteAndTags.length);
        return new AvroBatch(this, out, FRAME_ROOM, out.length, newRegion, newRegionFieldAt, newRegionFieldEnd,
                samplesAt + (newRegionFieldEnd - regionFieldEnd), newSamplesEnd);
    }

    /**
     * Its Avro binary after {@code prefix}: written into the room this batch was made with when there is just that
     * much (no copy of the batch), else into a new array.
     */
    public byte[] framed(byte[] prefix) {
        if (framable && offset == prefix.length && end == bytes.length) {
            System.arraycopy(prefix, 0, bytes, 0, prefix.length);
            return bytes;
        }
        byte[] framed = new byte[prefix.length + (end - offset)];
        System.arraycopy(prefix, 0, framed, 0, prefix.length);
        System.arraycopy(bytes, offset, framed, prefix.length, end - offset);
        return framed;
    }

    private static int varLongLength(long n) {
        long zigzag = (n << 1) ^ (n >> 63);
        int length = 1;
        while ((zigzag & ~0x7FL) != 0) {
            zigzag >>>= 7;
            length++;
        }
        return length;
    }

    /** Writes {@code n} as Avro writes a long (zig-zag, then 7 bits a byte); returns the position after it. */
    private static int writeVarLong(byte[] out, int at, long n) {
        long zigzag = (n << 1) ^ (n >> 63);
        while ((zigzag & ~0x7FL) != 0) {
            out[at++] = (byte) ((zigzag & 0x7F) | 0x80);
            zigzag >>>= 7;
        }
        out[at++] = (byte) zigzag;
        return at;
    }

    /** The Avro binary of a batch's last two fields, site and tags, for {@link #enriched}. */
    public static byte[] siteAndTags(String site, Map<String, String> tags) {
        AvroWriting out = new AvroWriting(64);
        if (site == null) {
            out.writeLong(SITE_NULL);
        } else {
            out.writeLong(1);
            out.writeString(site);
        }
        out.writeStringMap(tags);
        return out.toByteArray();
    }

    /** How many bytes its Avro binary takes. */
    public int length() {
        return end - offset;
    }

    /** Its Avro binary, a copy. */
    public byte[] toByteArray() {
        return Arrays.copyOfRange(bytes, offset, end);
    }

    /** The batch as the generated record (decodes every sample: for tests, tools and rare paths). */
    public MetricBatch toRecord() {
        return AvroWriting.decode(bytes, offset, end - offset);
    }

    private void check(int sample) {
        if (sample < 0 || sample >= count) {
            throw new IndexOutOfBoundsException("sample " + sample + " of " + count);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AvroBatch other && Arrays.equals(bytes, offset, end, other.bytes, other.offset, other.end);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = offset; i < end; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    @Override
    public String toString() {
        return "AvroBatch[" + assetId + ", " + agentId + "#" + seq + ", " + count + " samples]";
    }

    /** A cursor over Avro binary that names the field it was reading when the bytes run out or make no sense. */
    static final class Reader {
        private final byte[] bytes;
        private final int end;
        int at;

        Reader(byte[] bytes, int at, int end) {
            if (at < 0 || end > bytes.length || at > end) {
                throw new IllegalArgumentException("range [" + at + ", " + end + ") of " + bytes.length + " bytes");
            }
            this.bytes = bytes;
            this.at = at;
            this.end = end;
        }

        long readLong(String field) {
            if (at < end && bytes[at] >= 0) {
                // One byte: lengths of names, counts and most small numbers.
                int b = bytes[at++];
                return (b >>> 1) ^ -(b & 1);
            }
            long raw = 0;
            int shift = 0;
            while (true) {
                if (at >= end) {
                    throw malformed(field + ": the bytes end inside a number");
                }
                int b = bytes[at++];
                raw |= (long) (b & 0x7f) << shift;
                if (b >= 0) {
                    break;
                }
                shift += 7;
                if (shift > 63) {
                    throw malformed(field + ": a number longer than 10 bytes");
                }
            }
            return (raw >>> 1) ^ -(raw & 1);
        }

        double readDouble(String field) {
            if (end - at < Double.BYTES) {
                throw malformed(field + ": the bytes end inside a double");
            }
            long bits = (bytes[at] & 0xffL) | (bytes[at + 1] & 0xffL) << 8 | (bytes[at + 2] & 0xffL) << 16
                    | (bytes[at + 3] & 0xffL) << 24 | (bytes[at + 4] & 0xffL) << 32 | (bytes[at + 5] & 0xffL) << 40
                    | (bytes[at + 6] & 0xffL) << 48 | (bytes[at + 7] & 0xffL) << 56;
            at += Double.BYTES;
            return Double.longBitsToDouble(bits);
        }

        /** A string's length, checked against the bytes left. */
        int readLength(String field) {
            long length = readLong(field);
            if (length < 0 || length > end - at) {
                throw malformed(field + ": length " + length + " with " + (end - at) + " bytes left");
            }
            return (int) length;
        }

        String readString(String field) {
            int length = readLength(field);
            String s = new String(bytes, at, length, StandardCharsets.UTF_8);
            at += length;
            return s;
        }

        void skipString(String field) {
            int length = readLength(field); // not `at += readLength(...)`: that adds to the position before the length
            at += length;
        }

        /** The item count of the next block of an array or map (0 at its end); skips a block's byte size. */
        long readBlockCount(String field) {
            long count = readLong(field);
            if (count < 0) {
                count = -count;
                readLong(field); // the block's size in bytes, for skipping; items are read one by one here
            }
            if (count > end - at) {
                throw malformed(field + ": " + count + " items with " + (end - at) + " bytes left");
            }
            return count;
        }

        void skipStringMap(String field) {
            for (long block = readBlockCount(field); block != 0; block = readBlockCount(field)) {
                for (long i = 0; i < block; i++) {
                    skipString(field);
                    skipString(field);
                }
            }
        }

        SerializationException malformed(String what) {
            return new SerializationException("not a MetricBatch in Avro binary at byte " + at + ": " + what);
        }
    }
}
