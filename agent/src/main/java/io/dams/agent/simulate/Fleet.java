package io.dams.agent.simulate;

import io.dams.agent.Agent;
import io.dams.agent.collect.CollectedSample;
import io.dams.agent.send.Backoff;
import io.dams.agent.send.BridgeLink;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.Durations;
import io.dams.runtime.queue.DiskQueue;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many simulated agents in one process. Each asset has its own certificate from the CA, its own mutual-TLS context,
 * its own on-disk outbox and its own {@link BridgeLink}, so the bridge sees the same identities, sequence numbers and
 * replays as from real agents; only the metrics come from the {@link FleetModel} instead of a host. One scheduler
 * ticks every asset each interval; a silent asset skips its ticks.
 */
public final class Fleet implements AutoCloseable {

    /** The regions simulated when none are named. */
    public static final List<String> DEFAULT_REGIONS = List.of("eu-west-1", "us-east-1", "ap-southeast-1");
    /** Certificates expiring sooner than this are issued again. */
    static final Duration RENEW_BEFORE = Duration.ofHours(1);
    static final Duration CERTIFICATE_TTL = Duration.ofHours(24);
    private static final Duration RENEW_CHECK = Duration.ofMinutes(10);
    private static final ByteSize OUTBOX_CAPACITY = ByteSize.ofMebibytes(8);

    private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);

    /** A place assets stand: a site name near a real city. */
    record Site(String name, double latitude, double longitude) {
    }

    private static final Map<String, List<Site>> SITES = Map.ofEntries(
            Map.entry("eu-west-1", List.of(new Site("dub1", 53.35, -6.26), new Site("lon1", 51.51, -0.13),
                    new Site("ams1", 52.37, 4.90))),
            Map.entry("eu-central-1", List.of(new Site("fra1", 50.11, 8.68), new Site("muc1", 48.14, 11.58),
                    new Site("zrh1", 47.38, 8.54))),
            Map.entry("us-east-1", List.of(new Site("iad1", 39.04, -77.49), new Site("nyc1", 40.71, -74.01),
                    new Site("atl1", 33.75, -84.39))),
            Map.entry("us-west-2", List.of(new Site("pdx1", 45.52, -122.68), new Site("sea1", 47.61, -122.33),
                    new Site("sfo1", 37.77, -122.42))),
            Map.entry("ap-southeast-1", List.of(new Site("sin1", 1.35, 103.82), new Site("kul1", 3.14, 101.69),
                    new Site("cgk1", -6.21, 106.85))),
            Map.entry("ap-northeast-1", List.of(new Site("tyo1", 35.68, 139.69), new Site("osa1", 34.69, 135.50),
                    new Site("icn1", 37.57, 126.98))),
            Map.entry("ap-south-1", List.of(new Site("bom1", 19.08, 72.88), new Site("del1", 28.61, 77.21),
                    new Site("blr1", 12.97, 77.59))),
            Map.entry("sa-east-1", List.of(new Site("gru1", -23.55, -46.63), new Site("gig1", -22.91, -43.17),
                    new Site("eze1", -34.60, -58.38))));
    private static final String[] ROLES = {"web", "api", "db", "cache", "batch", "edge"};

    /**
     * How to run a fleet.
     *
     * @param dataDir   where each asset's outbox lives, one folder per asset
     * @param authority the name the bridges' certificates carry, when it is not the host of their address; null for
     *                  the host
     */
    public record Settings(int assets, List<String> regions, BridgeTargets bridges, Path certs, Path dataDir,
                           Duration interval, long seed, String authority) {

        public Settings {
            if (assets < 1) {
                throw new IllegalArgumentException("--assets must be at least 1, got " + assets);
            }
            regions = List.copyOf(regions);
            if (regions.isEmpty() || regions.size() != new HashSet<>(regions).size()) {
                throw new IllegalArgumentException("--regions must name at least one region, each once: " + regions);
            }
            Objects.requireNonNull(bridges, "bridges");
            Objects.requireNonNull(certs, "certs");
            Objects.requireNonNull(dataDir, "dataDir");
            if (interval.isNegative() || interval.toMillis() < 100) {
                throw new IllegalArgumentException("--interval must be at least 100ms, got " + interval);
            }
            bridges.requireCovers(regions);
        }
    }

    /** What the fleet has done so far. */
    public record Progress(int assets, long acked, long buffered, int connected, List<Incident> activeIncidents) {

        /** One line for the operator. */
        public String line() {
            return "fleet: " + assets + " assets, " + connected + " connected, " + acked + " batches acked, " + buffered
                    + " buffered, " + activeIncidents.size() + " incidents active"
                    + (activeIncidents.isEmpty() ? "" : ": " + String.join("; ",
                    activeIncidents.stream().map(i -> i.kind().label() + " " + i.subject()).toList()));
        }
    }

    /** One simulated agent: its identity and link. */
    private record SimulatedAgent(SimulatedAsset asset, TlsFiles files, MutualTls tls, DiskQueue outbox,
                                  BridgeLink link, Counter acked) {
    }

    private final Settings settings;
    private final FleetModel model;
    private final CertificateAuthority ca;
    private final Clock clock;
    private final List<SimulatedAgent> agents;
    private final ScheduledExecutorService ticker;
    /** Touched by the ticker thread only. */
    private final Set<Incident> announced = new HashSet<>();
    private volatile List<Incident> active = List.of();

    private Fleet(Settings settings, FleetModel model, CertificateAuthority ca, Clock clock, List<SimulatedAgent> agents,
                  ScheduledExecutorService ticker) {
        this.settings = settings;
        this.model = model;
        this.ca = ca;
        this.clock = clock;
        this.agents = agents;
        this.ticker = ticker;
    }

    /**
     * Spreads {@code count} assets over {@code regions} round-robin, and within a region over its sites, with
     * coordinates near the site's city and tags; the same arguments give the same fleet.
     */
    public static List<SimulatedAsset> layout(int count, List<String> regions, long seed) {
        List<SimulatedAsset> assets = new ArrayList<>(count);
        int width = Math.max(4, Integer.toString(count).length());
        for (int i = 0; i < count; i++) {
            String region = regions.get(i % regions.size());
            List<Site> sites = sitesOf(region, seed);
            Site site = sites.get((i / regions.size()) % sites.size());
            String id = String.format("sim-%0" + width + "d", i + 1);
            SplittableRandom r = new SplittableRandom(FleetModel.mix(seed, id.hashCode(), 0x5171EL));
            // Within about 15 km of the city: a metro area's data centres and offices.
            double latitude = clamp(site.latitude() + r.nextDouble(-0.15, 0.15), -90, 90);
            double longitude = clamp(site.longitude() + r.nextDouble(-0.15, 0.15), -180, 180);
            double k = r.nextDouble();
            String kind = k < 0.6 ? "server" : k < 0.9 ? "vm" : "iot";
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("env", r.nextDouble() < 0.75 ? "prod" : "staging");
            tags.put("role", kind.equals("iot") ? "sensor" : ROLES[r.nextInt(ROLES.length)]);
            tags.put("rack", site.name() + "-r" + (1 + r.nextInt(12)));
            tags.put("simulated", "true");
            assets.add(new SimulatedAsset(id, region, site.name(), latitude, longitude, kind, tags));
        }
        return assets;
    }

    /** The known sites of a region; an unknown region gets one made-up site, the same for the same seed. */
    static List<Site> sitesOf(String region, long seed) {
        List<Site> known = SITES.get(region);
        if (known != null) {
            return known;
        }
        SplittableRandom r = new SplittableRandom(FleetModel.mix(seed, region.hashCode(), 0x517EL));
        return List.of(new Site(region + "-a", r.nextDouble(-45, 60), r.nextDouble(-180, 180)));
    }

    /** Issues every asset's certificate as needed, opens every outbox and link, and starts ticking. */
    public static Fleet start(Settings settings, Clock clock) {
        CertificateAuthority ca = CertificateAuthority.load(settings.certs(), clock);
        List<SimulatedAsset> assets = layout(settings.assets(), settings.regions(), settings.seed());
        FleetModel model = new FleetModel(settings.seed(), clock.instant(), assets);
        List<SimulatedAgent> agents = new ArrayList<>(assets.size());
        StartedParts opened = new StartedParts();
        try {
            for (SimulatedAsset asset : assets) {
                agents.add(open(settings, ca, clock, asset, opened));
            }
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dams-simulate-tick");
            t.setDaemon(true);
            return t;
        });
        Fleet fleet = new Fleet(settings, model, ca, clock, List.copyOf(agents), ticker);
        ticker.scheduleAtFixedRate(fleet::tickQuietly, 0, settings.interval().toMillis(), TimeUnit.MILLISECONDS);
        ticker.scheduleWithFixedDelay(fleet::renewCertificates, RENEW_CHECK.toMillis(), RENEW_CHECK.toMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("simulated fleet of {} assets in {} started, every {}, seed {}, outboxes in {}", assets.size(),
                settings.regions(), Durations.format(settings.interval()), settings.seed(), settings.dataDir());
        return fleet;
    }

    private static SimulatedAgent open(Settings settings, CertificateAuthority ca, Clock clock, SimulatedAsset asset,
                                       StartedParts opened) {
        TlsFiles files = certificateFor(ca, asset, settings.certs(), clock);
        MutualTls tls = MutualTls.client(files, Duration.ofMinutes(1));
        opened.add(tls);
        // One fsync per append per asset would serialise every tick on the disk; a second's worth is what a crash of
        // the simulator may lose, which the real agent's default (sync every append) would not.
        DiskQueue outbox = DiskQueue.open(settings.dataDir().resolve(asset.id()).resolve("outbox.mv"), OUTBOX_CAPACITY,
                DiskQueue.SyncPolicy.interval(Duration.ofSeconds(1)));
        opened.add(outbox);
        // Each link gets a registry of its own: BridgeLink's meters carry no asset tag, so a shared one would merge them.
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        String address = settings.bridges().addressFor(asset.region()).orElseThrow();
        BridgeLink link = new BridgeLink(address, settings.authority(), tls, outbox,
                new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2), assetInfo(asset, settings.interval()),
                registry);
        opened.add(link);
        link.start();
        return new SimulatedAgent(asset, files, tls, outbox, link, registry.get("dams.agent.batches.acked").counter());
    }

    /**
     * The asset's certificate in {@code certs/simulated/<asset>/}, issued when it is missing, expires within
     * {@link #RENEW_BEFORE}, or names another identity (the fleet was laid out over other regions before).
     */
    static TlsFiles certificateFor(CertificateAuthority ca, SimulatedAsset asset, Path certs, Clock clock) {
        Path dir = certs.resolve("simulated").resolve(asset.id());
        SpiffeId id = SpiffeId.asset(ca.trustDomain(), asset.region(), asset.id());
        TlsFiles files = TlsFiles.in(dir);
        if (!usable(files, id, clock)) {
            files = ca.issue(CertificateAuthority.Request.agent(id, CERTIFICATE_TTL), dir);
        }
        return files;
    }

    private static boolean usable(TlsFiles files, SpiffeId id, Clock clock) {
        if (!Files.isReadable(files.cert()) || !Files.isReadable(files.key()) || !Files.isReadable(files.ca())) {
            return false;
        }
        try {
            X509Certificate cert = CertificateAuthority.readCertificates(files.cert()).get(0);
            if (cert.getNotAfter().toInstant().isBefore(clock.instant().plus(RENEW_BEFORE))) {
                return false;
            }
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            // 6 is uniformResourceIdentifier in the GeneralName choice.
            return names != null && names.stream()
                    .anyMatch(n -> Integer.valueOf(6).equals(n.get(0)) && id.toString().equals(String.valueOf(n.get(1))));
        } catch (IOException | CertificateParsingException e) {
            return false;
        }
    }

    private static AssetInfo assetInfo(SimulatedAsset asset, Duration interval) {
        return AssetInfo.newBuilder().setAssetId(asset.id()).setRegion(asset.region()).setSite(asset.site())
                .setLatitude(asset.latitude()).setLongitude(asset.longitude()).setKind(asset.kind())
                .setOs("Linux").setArch("amd64").setHostname(asset.id()).putAllTags(asset.tags())
                .setAgentVersion(Agent.VERSION).setCollectionIntervalMs((int) interval.toMillis()).build();
    }

    public List<SimulatedAsset> assets() {
        return model.assets();
    }

    public FleetModel model() {
        return model;
    }

    /** Assets per region, in the order of the settings' regions. */
    public Map<String, Long> assetsPerRegion() {
        Map<String, Long> counts = new LinkedHashMap<>();
        settings.regions().forEach(r -> counts.put(r, 0L));
        model.assets().forEach(a -> counts.merge(a.region(), 1L, Long::sum));
        return counts;
    }

    public Progress progress() {
        long acked = 0;
        long buffered = 0;
        int connected = 0;
        for (SimulatedAgent agent : agents) {
            acked += (long) agent.acked().count();
            buffered += agent.outbox().size();
            connected += agent.link().connected() ? 1 : 0;
        }
        return new Progress(agents.size(), acked, buffered, connected, active);
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            // A failed tick must not cancel the schedule.
            LOG.warn("simulated fleet tick failed: {}", e.toString());
        }
    }

    /** One tick: every asset that is not silent puts one batch in its outbox. */
    void tick() {
        long now = clock.millis();
        List<Incident> current = model.activeAt(now);
        announce(current);
        for (SimulatedAgent agent : agents) {
            List<CollectedSample> samples = model.samples(agent.asset(), now, current);
            if (samples.isEmpty()) {
                continue;
            }
            Batch.Builder batch = Batch.newBuilder().setAssetId(agent.asset().id()).setAgentId(agent.asset().id())
                    .setRegion(agent.asset().region()).setSentAtMs(now);
            for (CollectedSample s : samples) {
                batch.addSamples(Agent.ingestSample(s));
            }
            try {
                agent.outbox().append(batch.build().toByteArray());
                agent.link().outboxChanged();
            } catch (RuntimeException e) {
                LOG.warn("asset {}: cannot store a batch in its outbox {}: {}", agent.asset().id(),
                        agent.outbox().file(), e.toString());
            }
        }
    }

    private void announce(List<Incident> current) {
        for (Incident incident : current) {
            if (announced.add(incident)) {
                LOG.info("incident started: {}", incident.describe());
            }
        }
        announced.removeIf(incident -> {
            if (current.contains(incident)) {
                return false;
            }
            LOG.info("incident ended: {}", incident.describe());
            return true;
        });
        active = List.copyOf(current);
    }

    private void renewCertificates() {
        for (SimulatedAgent agent : agents) {
            try {
                // Reissued in place: the agent's MutualTls re-reads the files within its refresh interval.
                certificateFor(ca, agent.asset(), settings.certs(), clock);
            } catch (RuntimeException e) {
                LOG.warn("asset {}: cannot renew its certificate in {}: {}", agent.asset().id(),
                        agent.files().cert().getParent(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StartedParts parts = new StartedParts();
        for (SimulatedAgent agent : agents) {
            parts.add(agent.tls());
            parts.add(agent.outbox());
            parts.add(agent.link());
        }
        parts.close();
        LOG.info("simulated fleet of {} assets stopped", agents.size());
    }


    private static double clamp(double v, double min, double max) {
        return Math.max(min, Math.min(max, v));
    }
}
