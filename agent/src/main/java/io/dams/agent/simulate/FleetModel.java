package io.dams.agent.simulate;

import io.dams.agent.collect.CollectedSample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated fleet's metrics as plain functions of (asset, time), seeded so that a run can be replayed: a diurnal
 * CPU curve that peaks in the asset's local afternoon, slowly drifting memory, a root disk that grows, load that
 * follows CPU, network traffic, uptime, and a deterministic schedule of {@link Incident incidents}.
 *
 * <p>Incidents are planned per hour of simulation ("epoch"). The first epoch starts every kind within its first
 * minutes, so that a demo shows them quickly; later epochs place them anywhere in the hour.
 */
public final class FleetModel {

    static final Duration EPOCH = Duration.ofHours(1);
    /** Incidents last less than this many epochs, so looking this far back finds every one still active. */
    private static final int LOOKBACK_EPOCHS = 3;
    static final double REGION_SPIKE_POINTS = 40;
    static final double DISK_FULL_PERCENT = 99;
    static final double DISK_FILL_PERCENT_PER_MINUTE = 1;
    /** Noise is drawn per second, so two samples of one series in the same second agree. */
    private static final long NOISE_STEP_MS = 1_000;

    private final long seed;
    private final Instant start;
    private final List<SimulatedAsset> assets;
    private final Map<String, Profile> profiles;
    private final List<String> regions;
    /** Plans are pure functions of the epoch; kept because uptime looks back over every epoch so far. */
    private final Map<Long, List<Incident>> plans = new ConcurrentHashMap<>();

    /** How one asset behaves when nothing goes wrong. */
    private record Profile(double cpuBase, double cpuSwing, double memoryBase, double memoryPhase,
                           double diskBase, int cores, double networkBase, long bootedAtMs) {
    }

    /**
     * @param start when the simulation starts: incidents are scheduled from it and assets booted before it
     */
    public FleetModel(long seed, Instant start, List<SimulatedAsset> assets) {
        if (assets.isEmpty()) {
            throw new IllegalArgumentException("a fleet needs at least one asset");
        }
        this.seed = seed;
        this.start = start;
        this.assets = List.copyOf(assets);
        this.profiles = new LinkedHashMap<>();
        for (int i = 0; i < this.assets.size(); i++) {
            profiles.put(this.assets.get(i).id(), newProfile(this.assets.get(i)));
        }
        this.regions = this.assets.stream().map(SimulatedAsset::region).distinct().toList();
    }

    public Instant start() {
        return start;
    }

    public List<SimulatedAsset> assets() {
        return assets;
    }

    /** Every sample {@code asset} reports at {@code timeMs}: none while it is silent. */
    public List<CollectedSample> samples(SimulatedAsset asset, long timeMs) {
        return samples(asset, timeMs, activeAt(timeMs));
    }

    /** As {@link #samples(SimulatedAsset, long)}, with the incidents active at {@code timeMs} already looked up. */
    public List<CollectedSample> samples(SimulatedAsset asset, long timeMs, List<Incident> active) {
        if (silent(asset, active)) {
            return List.of();
        }
        double cpu = cpuPercent(asset, timeMs, active);
        return List.of(
                CollectedSample.of("cpu_percent", timeMs, cpu),
                CollectedSample.of("memory_used_percent", timeMs, memoryUsedPercent(asset, timeMs)),
                new CollectedSample("disk_used_percent", Map.of("mount", "/"), timeMs,
                        diskUsedPercent(asset, timeMs, active)),
                CollectedSample.of("node_load1", timeMs, load1(asset, timeMs, cpu)),
                new CollectedSample("network_receive_bytes_per_second", Map.of("interface", "eth0"), timeMs,
                        networkReceiveBytesPerSecond(asset, timeMs)),
                CollectedSample.of("uptime_seconds", timeMs, uptimeSeconds(asset, timeMs)));
    }

    /** Whether {@code asset} sends nothing at {@code timeMs}. */
    public boolean silent(SimulatedAsset asset, long timeMs) {
        return silent(asset, activeAt(timeMs));
    }

    private static boolean silent(SimulatedAsset asset, List<Incident> active) {
        return active.stream().anyMatch(i -> i.kind() == Incident.Kind.SILENT && i.concerns(asset));
    }

    public double cpuPercent(SimulatedAsset asset, long timeMs) {
        return cpuPercent(asset, timeMs, activeAt(timeMs));
    }

    private double cpuPercent(SimulatedAsset asset, long timeMs, List<Incident> active) {
        double cpu = normalCpuPercent(asset, timeMs);
        for (Incident incident : active) {
            if (!incident.concerns(asset)) {
                continue;
            }
            if (incident.kind() == Incident.Kind.CPU_SATURATION) {
                return 95 + 5 * unit(asset, timeMs, 11);
            }
            if (incident.kind() == Incident.Kind.REGION_SPIKE) {
                cpu = Math.min(100, cpu + REGION_SPIKE_POINTS);
            }
        }
        return cpu;
    }

    /** CPU without incidents: a base, a swing following the local time of day, and noise. */
    double normalCpuPercent(SimulatedAsset asset, long timeMs) {
        Profile p = profile(asset);
        double cpu = p.cpuBase + p.cpuSwing * diurnal(asset, timeMs) + 4 * noise(asset, timeMs, 1);
        return clamp(cpu, 0.5, 100);
    }

    public double memoryUsedPercent(SimulatedAsset asset, long timeMs) {
        Profile p = profile(asset);
        double hours = (timeMs - start.toEpochMilli()) / 3_600_000.0;
        // Caches and heaps grow and get trimmed over hours, not seconds.
        double drift = 8 * Math.sin(2 * Math.PI * hours / 7 + p.memoryPhase) + 3 * Math.sin(2 * Math.PI * hours / 31);
        return clamp(p.memoryBase + drift + 0.5 * noise(asset, timeMs, 2), 1, 99);
    }

    public double diskUsedPercent(SimulatedAsset asset, long timeMs) {
        return diskUsedPercent(asset, timeMs, activeAt(timeMs));
    }

    private double diskUsedPercent(SimulatedAsset asset, long timeMs, List<Incident> active) {
        for (Incident incident : active) {
            if (incident.kind() == Incident.Kind.DISK_FILLING && incident.concerns(asset)) {
                long from = incident.start().toEpochMilli();
                double filled = normalDiskUsedPercent(asset, from)
                        + DISK_FILL_PERCENT_PER_MINUTE * (timeMs - from) / 60_000.0;
                return Math.min(DISK_FULL_PERCENT, filled);
            }
        }
        return normalDiskUsedPercent(asset, timeMs);
    }

    /** The root disk without incidents: logs and data grow by about half a point a day. */
    double normalDiskUsedPercent(SimulatedAsset asset, long timeMs) {
        double days = Math.max(0, timeMs - start.toEpochMilli()) / 86_400_000.0;
        return clamp(profile(asset).diskBase + 0.5 * days + 0.05 * noise(asset, timeMs, 3), 1, 95);
    }

    private double load1(SimulatedAsset asset, long timeMs, double cpuPercent) {
        Profile p = profile(asset);
        return Math.max(0, p.cores * cpuPercent / 100 * (1 + 0.15 * noise(asset, timeMs, 4)));
    }

    public double load1(SimulatedAsset asset, long timeMs) {
        return load1(asset, timeMs, cpuPercent(asset, timeMs));
    }

    public double networkReceiveBytesPerSecond(SimulatedAsset asset, long timeMs) {
        Profile p = profile(asset);
        return Math.max(0, p.networkBase * (0.3 + 0.7 * diurnal(asset, timeMs)) * (1 + 0.2 * noise(asset, timeMs, 5)));
    }

    /** Seconds since boot; an asset that went silent comes back rebooted. */
    public double uptimeSeconds(SimulatedAsset asset, long timeMs) {
        long bootedAt = profile(asset).bootedAtMs;
        for (Incident incident : incidents(start.toEpochMilli(), timeMs)) {
            long end = incident.end().toEpochMilli();
            if (incident.kind() == Incident.Kind.SILENT && incident.concerns(asset) && end <= timeMs && end > bootedAt) {
                bootedAt = end;
            }
        }
        return Math.max(0, (timeMs - bootedAt) / 1000.0);
    }

    /** The incidents under way at {@code timeMs}. */
    public List<Incident> activeAt(long timeMs) {
        List<Incident> active = new ArrayList<>(4);
        for (Incident incident : incidents(timeMs, timeMs + 1)) {
            active.add(incident);
        }
        return active;
    }

    /** The incidents that overlap {@code [fromMs, toMs)}, by start time. */
    public List<Incident> incidents(long fromMs, long toMs) {
        long startMs = start.toEpochMilli();
        long epochMs = EPOCH.toMillis();
        long first = Math.max(0, Math.floorDiv(fromMs - startMs, epochMs) - LOOKBACK_EPOCHS);
        long last = Math.floorDiv(toMs - 1 - startMs, epochMs);
        List<Incident> found = new ArrayList<>();
        for (long epoch = first; epoch <= last; epoch++) {
            for (Incident incident : plans.computeIfAbsent(epoch, this::plan)) {
                if (incident.start().toEpochMilli() < toMs && incident.end().toEpochMilli() > fromMs) {
                    found.add(incident);
                }
            }
        }
        found.sort(Comparator.comparing(Incident::start));
        return found;
    }

    /** The incidents that start in one epoch: one of each kind. */
    private List<Incident> plan(long epoch) {
        SplittableRandom random = new SplittableRandom(mix(seed, 0x1C1DE47L, epoch));
        Instant epochStart = start.plus(EPOCH.multipliedBy(epoch));
        boolean first = epoch == 0;
        List<Incident> plan = new ArrayList<>(4);

        // In the first epoch the three single-asset incidents hit three different assets, so each is seen alone.
        int n = assets.size();
        int saturated = random.nextInt(n);
        int filling = n > 1 && first ? (saturated + 1 + random.nextInt(n - 1)) % n : random.nextInt(n);
        int silent = random.nextInt(n);
        if (first && n > 2) {
            while (silent == saturated || silent == filling) {
                silent = random.nextInt(n);
            }
        }

        Instant at = epochStart.plus(offset(random, first, 1, 3));
        plan.add(single(Incident.Kind.CPU_SATURATION, assets.get(saturated), at,
                at.plus(Duration.ofMinutes(4 + random.nextInt(5)))));

        at = epochStart.plus(offset(random, first, 2, 4));
        SimulatedAsset disk = assets.get(filling);
        double toFill = DISK_FULL_PERCENT - normalDiskUsedPercent(disk, at.toEpochMilli());
        // Filling takes as long as it takes at the fill rate; then the disk stays full for a while before clean-up.
        Duration fill = Duration.ofSeconds((long) Math.ceil(60 * toFill / DISK_FILL_PERCENT_PER_MINUTE));
        plan.add(single(Incident.Kind.DISK_FILLING, disk, at, at.plus(fill).plus(Duration.ofMinutes(3 + random.nextInt(4)))));

        at = epochStart.plus(offset(random, first, 3, 6));
        plan.add(single(Incident.Kind.SILENT, assets.get(silent), at, at.plus(Duration.ofMinutes(3 + random.nextInt(4)))));

        at = epochStart.plus(offset(random, first, 5, 8));
        String region = regions.get(random.nextInt(regions.size()));
        plan.add(new Incident(Incident.Kind.REGION_SPIKE, region, region, at,
                at.plus(Duration.ofMinutes(3 + random.nextInt(3)))));
        return plan;
    }

    private static Incident single(Incident.Kind kind, SimulatedAsset asset, Instant start, Instant end) {
        return new Incident(kind, asset.id(), asset.region(), start, end);
    }

    /** Early in the first epoch (between the given minutes), anywhere in the first 50 minutes of later ones. */
    private static Duration offset(SplittableRandom random, boolean first, int fromMinute, int toMinute) {
        long seconds = first ? random.nextLong(fromMinute * 60L, toMinute * 60L) : random.nextLong(0, 50 * 60L);
        return Duration.ofSeconds(seconds);
    }

    /** 0 at the asset's local 03:00, 1 at its local 15:00: people and batch jobs work in the afternoon. */
    double diurnal(SimulatedAsset asset, long timeMs) {
        double localHour = localHour(asset, timeMs);
        return 0.5 * (1 + Math.cos(2 * Math.PI * (localHour - 15) / 24));
    }

    /** Mean solar time at the asset's longitude, 0..24. */
    static double localHour(SimulatedAsset asset, long timeMs) {
        double utcHour = Math.floorMod(timeMs, 86_400_000L) / 3_600_000.0;
        return ((utcHour + asset.longitude() / 15) % 24 + 24) % 24;
    }

    private Profile profile(SimulatedAsset asset) {
        Profile p = profiles.get(asset.id());
        return p != null ? p : newProfile(asset);
    }

    private Profile newProfile(SimulatedAsset asset) {
        SplittableRandom r = new SplittableRandom(mix(seed, asset.id().hashCode(), 0x9E0F11EL));
        int[] cores = {2, 4, 8, 16};
        long bootedAgo = r.nextLong(Duration.ofHours(1).toMillis(), Duration.ofDays(60).toMillis());
        return new Profile(r.nextDouble(5, 20), r.nextDouble(15, 40), r.nextDouble(30, 70),
                r.nextDouble(0, 2 * Math.PI), r.nextDouble(20, 70), cores[r.nextInt(cores.length)],
                r.nextDouble(50_000, 5_000_000), start.toEpochMilli() - bootedAgo);
    }

    /** Centred noise in -1..1 for one series of one asset, a pure function of the second. */
    private double noise(SimulatedAsset asset, long timeMs, int series) {
        SplittableRandom r = new SplittableRandom(mix(seed, asset.id().hashCode() * 31L + series,
                Math.floorDiv(timeMs, NOISE_STEP_MS)));
        return r.nextDouble() + r.nextDouble() - 1;
    }

    /** Uniform 0..1 for one series of one asset, a pure function of the second. */
    private double unit(SimulatedAsset asset, long timeMs, int series) {
        return new SplittableRandom(mix(seed, asset.id().hashCode() * 31L + series,
                Math.floorDiv(timeMs, NOISE_STEP_MS))).nextDouble();
    }

    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }

    /** Combines seed parts into one well-spread seed (SplitMix64's finaliser). */
    static long mix(long a, long b, long c) {
        long z = a * 0x9E3779B97F4A7C15L + b;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L + c;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
