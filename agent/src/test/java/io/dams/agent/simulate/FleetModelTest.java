package io.dams.agent.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.agent.collect.CollectedSample;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class FleetModelTest {

    private static final long SEED = 42;
    private static final Instant START = Instant.parse("2025-03-10T08:00:00Z");
    private static final List<SimulatedAsset> ASSETS = Fleet.layout(30, Fleet.DEFAULT_REGIONS, SEED);

    private final FleetModel model = new FleetModel(SEED, START, ASSETS);

    @Test
    void shouldKeepEverySeriesWithinItsRange() {
        long t0 = START.toEpochMilli();
        for (SimulatedAsset asset : ASSETS) {
            for (long t = t0; t < t0 + Duration.ofHours(6).toMillis(); t += 37_000) {
                for (CollectedSample s : model.samples(asset, t)) {
                    assertThat(s.timestampMs()).isEqualTo(t);
                    assertThat(s.value()).as(s.name()).isFinite().isGreaterThanOrEqualTo(0);
                    switch (s.name()) {
                        case "cpu_percent", "memory_used_percent", "disk_used_percent" ->
                                assertThat(s.value()).as(s.name()).isLessThanOrEqualTo(100);
                        case "node_load1" -> assertThat(s.value()).isLessThan(16 * 1.2);
                        case "network_receive_bytes_per_second" -> assertThat(s.value()).isLessThan(10_000_000);
                        case "uptime_seconds" -> assertThat(s.value()).isLessThan(Duration.ofDays(61).toSeconds());
                        default -> throw new AssertionError("unexpected series " + s.name());
                    }
                }
            }
        }
    }

    @Test
    void shouldReportTheSeriesTheRealAgentReports() {
        SimulatedAsset asset = quietAsset(START.toEpochMilli());
        Map<String, Map<String, String>> series = model.samples(asset, START.toEpochMilli()).stream()
                .collect(Collectors.toMap(CollectedSample::name, CollectedSample::labels));
        assertThat(series).containsOnlyKeys("cpu_percent", "memory_used_percent", "disk_used_percent", "node_load1",
                "network_receive_bytes_per_second", "uptime_seconds");
        assertThat(series.get("disk_used_percent")).containsExactly(Map.entry("mount", "/"));
        assertThat(series.get("network_receive_bytes_per_second")).containsExactly(Map.entry("interface", "eth0"));
    }

    @Test
    void shouldBeBusierInTheLocalAfternoonThanAtNight() {
        for (SimulatedAsset asset : ASSETS) {
            double afternoon = 0;
            double night = 0;
            for (int day = 0; day < 5; day++) {
                afternoon += model.normalCpuPercent(asset, atLocalHour(asset, day, 15));
                night += model.normalCpuPercent(asset, atLocalHour(asset, day, 3));
            }
            assertThat(afternoon / 5).as(asset.id()).isGreaterThan(night / 5 + 10);
        }
    }

    @Test
    void shouldPeakByLongitude() {
        SimulatedAsset dublin = new SimulatedAsset("a", "eu-west-1", "dub1", 53.3, -6.3, "server", Map.of());
        SimulatedAsset singapore = new SimulatedAsset("a", "ap-southeast-1", "sin1", 1.35, 103.8, "server", Map.of());
        long utc15 = Instant.parse("2025-03-10T15:00:00Z").toEpochMilli();
        long utc19 = utc15 + Duration.ofHours(4).toMillis();
        assertThat(model.diurnal(dublin, utc15)).isGreaterThan(0.99);
        // 19:00 UTC is about 02:00 in Singapore, by the sun.
        assertThat(FleetModel.localHour(singapore, utc19)).isBetween(1.9, 2.0);
        assertThat(model.diurnal(singapore, utc19)).isLessThan(0.1);
        assertThat(model.diurnal(singapore, utc19)).isLessThan(model.diurnal(dublin, utc19));
    }

    @Test
    void shouldStartEveryKindOfIncidentWithinTheFirstMinutes() {
        List<Incident> early = model.incidents(START.toEpochMilli(), START.plus(Duration.ofMinutes(10)).toEpochMilli());
        assertThat(early).extracting(Incident::kind).contains(Incident.Kind.values());
        assertThat(early).allSatisfy(i -> assertThat(i.end()).isAfter(i.start().plus(Duration.ofMinutes(2))));
    }

    @Test
    void shouldSaturateOneAssetsCpuDuringItsIncident() {
        Incident incident = first(Incident.Kind.CPU_SATURATION, 0);
        SimulatedAsset asset = asset(incident.subject());
        for (long t = incident.start().toEpochMilli(); t < incident.end().toEpochMilli(); t += 10_000) {
            assertThat(model.cpuPercent(asset, t)).isBetween(95.0, 100.0);
            assertThat(model.load1(asset, t)).isGreaterThan(0.8);
        }
        long after = incident.end().toEpochMilli() + Duration.ofMinutes(20).toMillis();
        if (model.activeAt(after).stream().noneMatch(i -> i.concerns(asset))) {
            assertThat(model.cpuPercent(asset, after)).isLessThan(95);
        }
    }

    @Test
    void shouldFillADiskAtAboutOnePercentAMinuteUpTo99() {
        Incident incident = first(Incident.Kind.DISK_FILLING, 0);
        SimulatedAsset asset = asset(incident.subject());
        long start = incident.start().toEpochMilli();
        double before = model.diskUsedPercent(asset, start - 60_000);
        double atStart = model.diskUsedPercent(asset, start);
        double fiveMinutesIn = model.diskUsedPercent(asset, start + Duration.ofMinutes(5).toMillis());
        assertThat(atStart).isCloseTo(before, org.assertj.core.data.Offset.offset(0.5));
        assertThat(fiveMinutesIn - atStart).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
        assertThat(model.diskUsedPercent(asset, incident.end().toEpochMilli() - 1)).isEqualTo(99.0);
        double previous = 0;
        for (long t = start; t < incident.end().toEpochMilli(); t += 10_000) {
            double disk = model.diskUsedPercent(asset, t);
            assertThat(disk).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(99.0);
            previous = disk;
        }
        assertThat(model.diskUsedPercent(asset, incident.end().toEpochMilli())).isLessThan(95);
    }

    @Test
    void shouldSendNothingFromASilentAssetAndComeBackRebooted() {
        Incident incident = first(Incident.Kind.SILENT, 0);
        SimulatedAsset asset = asset(incident.subject());
        long start = incident.start().toEpochMilli();
        long end = incident.end().toEpochMilli();
        assertThat(model.samples(asset, start - 1)).isNotEmpty();
        for (long t = start; t < end; t += 10_000) {
            assertThat(model.samples(asset, t)).isEmpty();
            assertThat(model.silent(asset, t)).isTrue();
        }
        assertThat(model.samples(asset, end)).isNotEmpty();
        assertThat(model.uptimeSeconds(asset, end + 30_000)).isEqualTo(30.0);
        assertThat(model.uptimeSeconds(asset, start - 1)).isGreaterThan(3_600);
    }

    @Test
    void shouldRaiseEveryAssetOfTheRegionDuringASpike() {
        Incident incident = first(Incident.Kind.REGION_SPIKE, 0);
        long t = (incident.start().toEpochMilli() + incident.end().toEpochMilli()) / 2;
        List<SimulatedAsset> inRegion = ASSETS.stream().filter(a -> a.region().equals(incident.subject())).toList();
        assertThat(inRegion).isNotEmpty();
        for (SimulatedAsset asset : inRegion) {
            double expected = Math.min(100, model.normalCpuPercent(asset, t) + FleetModel.REGION_SPIKE_POINTS);
            assertThat(model.cpuPercent(asset, t)).as(asset.id()).isGreaterThanOrEqualTo(Math.min(expected, 95));
        }
        for (SimulatedAsset other : ASSETS) {
            if (!other.region().equals(incident.subject()) && model.activeAt(t).stream().noneMatch(i -> i.concerns(other))) {
                assertThat(model.cpuPercent(other, t)).isEqualTo(model.normalCpuPercent(other, t));
            }
        }
    }

    @Test
    void shouldKeepSchedulingIncidentsHourAfterHour() {
        long t0 = START.toEpochMilli();
        for (int hour = 1; hour < 24; hour++) {
            List<Incident> inHour = model.incidents(t0 + hour * 3_600_000L, t0 + (hour + 1) * 3_600_000L);
            assertThat(inHour).extracting(Incident::kind).as("hour " + hour).contains(Incident.Kind.values());
        }
        // Seen from a later window, an incident is the same one.
        Incident late = first(Incident.Kind.SILENT, 5);
        assertThat(model.activeAt(late.start().toEpochMilli())).contains(late);
    }

    @Test
    void shouldRepeatItselfForTheSameSeedAndDifferForAnother() {
        FleetModel again = new FleetModel(SEED, START, Fleet.layout(30, Fleet.DEFAULT_REGIONS, SEED));
        FleetModel other = new FleetModel(SEED + 1, START, Fleet.layout(30, Fleet.DEFAULT_REGIONS, SEED + 1));
        long t0 = START.toEpochMilli();
        long t1 = t0 + Duration.ofHours(3).toMillis();
        assertThat(again.incidents(t0, t1)).isEqualTo(model.incidents(t0, t1));
        assertThat(other.incidents(t0, t1)).isNotEqualTo(model.incidents(t0, t1));
        for (SimulatedAsset asset : ASSETS) {
            for (long t = t0; t < t1; t += 600_000) {
                assertThat(again.samples(asset, t)).isEqualTo(model.samples(asset, t));
            }
        }
        assertThat(other.samples(ASSETS.get(0), t0 + 600_000)).isNotEqualTo(model.samples(ASSETS.get(0), t0 + 600_000));
    }

    /** A time on the asset's {@code day}-th simulated day when its local clock shows {@code hour}:00. */
    private static long atLocalHour(SimulatedAsset asset, int day, int hour) {
        long dayStart = Instant.parse("2025-03-11T00:00:00Z").plus(Duration.ofDays(day)).toEpochMilli();
        double utcHour = ((hour - asset.longitude() / 15) % 24 + 24) % 24;
        return dayStart + (long) (utcHour * 3_600_000);
    }

    private Incident first(Incident.Kind kind, int fromHour) {
        long from = START.plus(Duration.ofHours(fromHour)).toEpochMilli();
        return model.incidents(from, from + Duration.ofHours(1).toMillis()).stream()
                .filter(i -> i.kind() == kind && i.start().toEpochMilli() >= from).findFirst().orElseThrow();
    }

    private SimulatedAsset quietAsset(long t) {
        return ASSETS.stream().filter(a -> model.activeAt(t).stream().noneMatch(i -> i.concerns(a)))
                .findFirst().orElseThrow();
    }

    private static SimulatedAsset asset(String id) {
        return ASSETS.stream().filter(a -> a.id().equals(id)).findFirst().orElseThrow();
    }
}
