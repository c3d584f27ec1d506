package io.dams.agent.simulate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.MutualTls;
import io.dams.runtime.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetTest {

    @TempDir
    Path dir;

    @Test
    void shouldSpreadAssetsEvenlyOverRegionsAndSites() {
        List<SimulatedAsset> assets = Fleet.layout(50, Fleet.DEFAULT_REGIONS, 7);
        Map<String, Long> perRegion = assets.stream()
                .collect(Collectors.groupingBy(SimulatedAsset::region, Collectors.counting()));
        assertThat(perRegion).containsOnly(Map.entry("eu-west-1", 17L), Map.entry("us-east-1", 17L),
                Map.entry("ap-southeast-1", 16L));
        assertThat(assets).extracting(SimulatedAsset::id).doesNotHaveDuplicates().first().isEqualTo("sim-0001");
        assertThat(assets.stream().filter(a -> a.region().equals("eu-west-1")).map(SimulatedAsset::site).distinct())
                .containsExactlyInAnyOrder("dub1", "lon1", "ams1");
        assertThat(assets).allSatisfy(a -> {
            assertThat(a.kind()).isIn("server", "vm", "iot");
            assertThat(a.tags()).containsKeys("env", "role", "rack").containsEntry("simulated", "true");
        });
    }

    @Test
    void shouldPlaceAssetsNearTheirRegionsCities() {
        for (SimulatedAsset a : Fleet.layout(60, Fleet.DEFAULT_REGIONS, 3)) {
            switch (a.region()) {
                case "eu-west-1" -> {
                    assertThat(a.latitude()).isBetween(51.0, 54.0);
                    assertThat(a.longitude()).isBetween(-7.0, 5.5);
                }
                case "us-east-1" -> {
                    assertThat(a.latitude()).isBetween(33.0, 41.5);
                    assertThat(a.longitude()).isBetween(-85.0, -73.5);
                }
                case "ap-southeast-1" -> {
                    assertThat(a.latitude()).isBetween(-6.5, 3.5);
                    assertThat(a.longitude()).isBetween(101.0, 107.5);
                }
                default -> throw new AssertionError(a.region());
            }
        }
        for (SimulatedAsset a : Fleet.layout(10, List.of("mars-north-1", "eu-central-1"), 3)) {
            assertThat(a.latitude()).isBetween(-90.0, 90.0);
            assertThat(a.longitude()).isBetween(-180.0, 180.0);
        }
    }

    @Test
    void shouldLayOutTheSameFleetForTheSameSeed() {
        assertThat(Fleet.layout(20, Fleet.DEFAULT_REGIONS, 11)).isEqualTo(Fleet.layout(20, Fleet.DEFAULT_REGIONS, 11));
        assertThat(Fleet.layout(20, Fleet.DEFAULT_REGIONS, 11)).isNotEqualTo(Fleet.layout(20, Fleet.DEFAULT_REGIONS, 12));
    }

    @Test
    void shouldSendEveryRegionToTheOneBridge() {
        BridgeTargets targets = BridgeTargets.parse(List.of("localhost:7443"));
        targets.requireCovers(Fleet.DEFAULT_REGIONS);
        for (SimulatedAsset a : Fleet.layout(9, Fleet.DEFAULT_REGIONS, 1)) {
            assertThat(targets.addressFor(a.region())).contains("localhost:7443");
        }
    }

    @Test
    void shouldSendEachRegionToItsOwnBridge() {
        BridgeTargets targets = BridgeTargets.parse(List.of("eu-west-1=127.0.0.1:7001", "us-east-1=127.0.0.1:7002",
                "ap-southeast-1=localhost:7003"));
        targets.requireCovers(Fleet.DEFAULT_REGIONS);
        Map<String, String> bridgeOf = Fleet.layout(9, Fleet.DEFAULT_REGIONS, 1).stream().collect(Collectors.toMap(
                SimulatedAsset::id, a -> targets.addressFor(a.region()).orElseThrow()));
        assertThat(bridgeOf).containsEntry("sim-0001", "127.0.0.1:7001").containsEntry("sim-0002", "127.0.0.1:7002")
                .containsEntry("sim-0003", "localhost:7003").containsEntry("sim-0004", "127.0.0.1:7001");
    }

    @Test
    void shouldFallBackToTheSharedBridgeForRegionsWithoutTheirOwn() {
        BridgeTargets targets = BridgeTargets.parse(List.of("localhost:7000", "us-east-1=localhost:7002"));
        assertThat(targets.addressFor("us-east-1")).contains("localhost:7002");
        assertThat(targets.addressFor("eu-west-1")).contains("localhost:7000");
    }

    @Test
    void shouldRefuseARegionWithoutABridgeOrABadAddress() {
        BridgeTargets partial = BridgeTargets.parse(List.of("eu-west-1=localhost:7001"));
        assertThatThrownBy(() -> partial.requireCovers(Fleet.DEFAULT_REGIONS))
                .hasMessageContaining("us-east-1, ap-southeast-1");
        assertThatThrownBy(() -> partial.requireCovers(List.of("us-east-1", "eu-central-1")))
                .hasMessageContaining("no bridge for region us-east-1, eu-central-1");
        assertThatThrownBy(() -> BridgeTargets.parse(List.of("localhost"))).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> BridgeTargets.parse(List.of("a:1", "b:2"))).hasMessageContaining("REGION=HOST:PORT");
        assertThatThrownBy(() -> BridgeTargets.parse(List.of("=a:1"))).hasMessageContaining("region");
        assertThatThrownBy(() -> new Fleet.Settings(5, List.of("eu-west-1", "us-east-1"), partial, dir, dir,
                Duration.ofSeconds(10), 1, null)).hasMessageContaining("no bridge for region us-east-1");
    }

    @Test
    void shouldIssueEachAssetItsOwnCertificateOnceAndRenewItBeforeItExpires() throws Exception {
        Instant now = Instant.parse("2025-03-10T08:00:00Z");
        CertificateAuthority.init(dir, "dams.test", Duration.ofDays(30), Clock.fixed(now, ZoneOffset.UTC));
        CertificateAuthority ca = CertificateAuthority.load(dir, Clock.fixed(now, ZoneOffset.UTC));
        Map<String, SimulatedAsset> assets = Fleet.layout(2, Fleet.DEFAULT_REGIONS, 1).stream()
                .collect(Collectors.toMap(SimulatedAsset::id, Function.identity()));
        SimulatedAsset one = assets.get("sim-0001");

        TlsFiles files = Fleet.certificateFor(ca, one, dir, Clock.fixed(now, ZoneOffset.UTC));
        assertThat(files.cert()).isEqualTo(dir.resolve("simulated/sim-0001/cert.pem"));
        assertThat(sanOf(files)).isEqualTo("spiffe://dams.test/region/eu-west-1/asset/sim-0001");
        String issued = Files.readString(files.cert());
        try (MutualTls tls = MutualTls.client(files, Duration.ofMinutes(1))) {
            assertThat(tls.certificateExpiry()).isEqualTo(now.plus(Fleet.CERTIFICATE_TTL));
        }

        Clock later = Clock.fixed(now.plus(Duration.ofHours(22)), ZoneOffset.UTC);
        assertThat(Files.readString(Fleet.certificateFor(ca, one, dir, later).cert())).isEqualTo(issued);

        Clock nearExpiry = Clock.fixed(now.plus(Duration.ofHours(23).plusMinutes(30)), ZoneOffset.UTC);
        assertThat(Files.readString(Fleet.certificateFor(ca, one, dir, nearExpiry).cert())).isNotEqualTo(issued);

        SimulatedAsset moved = new SimulatedAsset("sim-0001", "us-east-1", "iad1", 39, -77, "server", Map.of());
        assertThat(sanOf(Fleet.certificateFor(ca, moved, dir, Clock.fixed(now, ZoneOffset.UTC))))
                .isEqualTo("spiffe://dams.test/region/us-east-1/asset/sim-0001");
    }

    @Test
    void shouldSummariseProgressOnOneLine() {
        Incident spike = new Incident(Incident.Kind.REGION_SPIKE, "us-east-1", "us-east-1",
                Instant.parse("2025-03-10T08:05:00Z"), Instant.parse("2025-03-10T08:09:00Z"));
        assertThat(new Fleet.Progress(50, 1200, 30, 49, List.of(spike)).line()).isEqualTo(
                "fleet: 50 assets, 49 connected, 1200 batches acked, 30 buffered, 1 incidents active:"
                        + " region_spike us-east-1");
    }

    private static String sanOf(TlsFiles files) throws Exception {
        return CertificateAuthority.readCertificates(files.cert()).get(0).getSubjectAlternativeNames().stream()
                .filter(n -> Integer.valueOf(6).equals(n.get(0))).map(n -> String.valueOf(n.get(1)))
                .findFirst().orElseThrow();
    }
}
