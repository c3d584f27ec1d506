package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.agent.collect.HostDevices.DiskCounters;
import io.dams.agent.collect.HostDevices.Filesystem;
import io.dams.agent.collect.HostDevices.InterfaceCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import oshi.SystemInfo;

class HostCollectorTest {

    private static final Pattern PROMETHEUS_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final long TICK = 1_700_000_000_000L;

    @Test
    @EnabledOnOs(OS.LINUX)
    void shouldReportTheDocumentedSeriesWithPlausibleValuesOnThisHost() throws IOException {
        List<CollectedSample> samples = collect(new HostCollector());

        assertThat(samples).allSatisfy(s -> {
            assertThat(s.name()).matches(PROMETHEUS_NAME);
            assertThat(s.timestampMs()).isEqualTo(TICK);
            assertThat(s.value()).isNotNaN();
        });
        double memoryTotal = value(samples, "memory_total_bytes", Map.of());
        assertThat(memoryTotal).isPositive();
        assertThat(value(samples, "memory_used_bytes", Map.of())).isBetween(1.0, memoryTotal);
        assertThat(value(samples, "memory_used_percent", Map.of())).isBetween(0.0, 100.0).isPositive();
        double swapTotal = value(samples, "swap_total_bytes", Map.of());
        assertThat(value(samples, "swap_used_bytes", Map.of())).isBetween(0.0, swapTotal);
        assertThat(value(samples, "swap_used_percent", Map.of())).isBetween(0.0, 100.0);

        Map<String, String> root = Map.of("mount", "/");
        double rootTotal = value(samples, "disk_total_bytes", root);
        assertThat(rootTotal).isPositive();
        assertThat(value(samples, "disk_used_bytes", root)).isBetween(0.0, rootTotal);
        assertThat(value(samples, "disk_used_percent", root)).isBetween(0.0, 100.0);
        assertThat(labelValues(samples, "disk_used_percent", "mount"))
                .allMatch(m -> m.startsWith("/"))
                .noneMatch(m -> m.startsWith("/proc") || m.startsWith("/sys") || m.startsWith("/dev"));

        for (String load : List.of("node_load1", "node_load5", "node_load15")) {
            assertThat(value(samples, load, Map.of())).as(load).isBetween(0.0, 10_000.0);
        }
        assertThat(value(samples, "uptime_seconds", Map.of())).isPositive();
        assertThat(value(samples, "process_count", Map.of())).isGreaterThanOrEqualTo(1);
        // present only where the host has a sensor
        find(samples, "temperature_celsius", Map.of()).ifPresent(t -> assertThat(t).isBetween(0.0, 150.0));

        Set<String> interfaces = interfacesOfThisHost();
        for (String counter : List.of("network_receive_packets_total", "network_transmit_packets_total",
                "network_receive_errors_total", "network_transmit_errors_total")) {
            assertThat(labelValues(samples, counter, "interface")).as(counter).isEqualTo(interfaces);
        }
        assertThat(samples).filteredOn(s -> s.name().startsWith("network_")).allMatch(s -> s.value() >= 0);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void shouldEmitNoPercentagesOrRatesOnTheFirstCollection() {
        List<CollectedSample> first = collect(new HostCollector());

        assertThat(first).extracting(CollectedSample::name)
                .contains("memory_used_percent", "disk_used_percent")
                .doesNotContain("cpu_percent", "cpu_core_percent")
                .noneMatch(n -> n.endsWith("_per_second"));
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void shouldComputeCpuPercentAndRatesFromTheSecondCollection() throws IOException {
        HostCollector collector = new HostCollector();
        collect(collector);
        Set<String> interfaces = interfacesOfThisHost();
        Set<String> disks = disksOfThisHost();

        // CPU time accrues in clock ticks (10 ms), so a second collection straight after the first may see none yet.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(400)).untilAsserted(() -> {
            List<CollectedSample> next = collect(collector);
            assertThat(value(next, "cpu_percent", Map.of())).isBetween(0.0, 100.0);
            assertThat(value(next, "cpu_core_percent", Map.of("core", "0"))).isBetween(0.0, 100.0);
            assertThat(labelValues(next, "network_receive_bytes_per_second", "interface")).isEqualTo(interfaces);
            assertThat(labelValues(next, "network_transmit_bytes_per_second", "interface")).isEqualTo(interfaces);
            assertThat(labelValues(next, "disk_read_bytes_per_second", "device")).isEqualTo(disks);
            assertThat(labelValues(next, "disk_write_bytes_per_second", "device")).isEqualTo(disks);
            assertThat(next).filteredOn(s -> s.name().endsWith("_per_second")).allMatch(s -> s.value() >= 0);
        });
    }

    @Test
    void shouldDeriveSpaceAndRatesFromTheCountersItReads() {
        ScriptedDevices devices = new ScriptedDevices();
        devices.next(List.of(new Filesystem("/data", 100, 30, 20)),
                List.of(new DiskCounters("sda", 1_000, 5_000)),
                List.of(new InterfaceCounters("eth0", 10_000, 20_000, 7, 9, 1, 2)));
        devices.next(List.of(new Filesystem("/data", 100, 30, 20)),
                List.of(new DiskCounters("sda", 3_000, 5_000)),
                // receive counter went backwards: the interface was reset
                List.of(new InterfaceCounters("eth0", 500, 26_000, 8, 12, 1, 2)));
        HostCollector collector = new HostCollector(new SystemInfo(), devices);

        List<CollectedSample> first = collect(collector);
        List<CollectedSample> second = collect(collector);

        assertThat(value(first, "process_count", Map.of())).isEqualTo(ScriptedDevices.PROCESSES);

        Map<String, String> data = Map.of("mount", "/data");
        assertThat(value(first, "disk_total_bytes", data)).isEqualTo(100);
        assertThat(value(first, "disk_used_bytes", data)).isEqualTo(70);
        // df's Use%: used / (used + available to ordinary users)
        assertThat(value(first, "disk_used_percent", data)).isEqualTo(100.0 * 70 / 90);
        assertThat(value(first, "network_receive_packets_total", Map.of("interface", "eth0"))).isEqualTo(7);
        assertThat(value(first, "network_transmit_errors_total", Map.of("interface", "eth0"))).isEqualTo(2);
        assertThat(find(first, "disk_read_bytes_per_second", Map.of("device", "sda"))).isEmpty();

        assertThat(value(second, "disk_read_bytes_per_second", Map.of("device", "sda"))).isPositive();
        assertThat(value(second, "disk_write_bytes_per_second", Map.of("device", "sda"))).isZero();
        assertThat(value(second, "network_transmit_bytes_per_second", Map.of("interface", "eth0"))).isPositive();
        assertThat(find(second, "network_receive_bytes_per_second", Map.of("interface", "eth0"))).isEmpty();
        assertThat(value(second, "network_transmit_packets_total", Map.of("interface", "eth0"))).isEqualTo(12);
    }

    @Test
    void shouldKeepReportingTheOtherSeriesWhenOneSourceFails() {
        HostDevices broken = new HostDevices() {
            @Override
            public List<Filesystem> filesystems() throws IOException {
                throw new IOException("/proc/self/mounts: Permission denied");
            }

            @Override
            public List<DiskCounters> disks() {
                return List.of(new DiskCounters("sda", 1, 1));
            }

            @Override
            public List<InterfaceCounters> interfaces() {
                return List.of();
            }

            @Override
            public int processCount() {
                return 1;
            }
        };

        List<CollectedSample> samples = collect(new HostCollector(new SystemInfo(), broken));

        assertThat(samples).extracting(CollectedSample::name)
                .contains("memory_total_bytes", "uptime_seconds")
                .doesNotContain("disk_total_bytes");
    }

    private static List<CollectedSample> collect(HostCollector collector) {
        List<CollectedSample> samples = new ArrayList<>();
        collector.collect(TICK, samples::add);
        return samples;
    }

    private static Optional<Double> find(List<CollectedSample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels))
                .map(CollectedSample::value).findFirst();
    }

    private static double value(List<CollectedSample> samples, String name, Map<String, String> labels) {
        return find(samples, name, labels)
                .orElseThrow(() -> new AssertionError("no " + name + labels + " in " + names(samples)));
    }

    private static Set<String> names(List<CollectedSample> samples) {
        return samples.stream().map(CollectedSample::name).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private static Set<String> labelValues(List<CollectedSample> samples, String name, String label) {
        return samples.stream().filter(s -> s.name().equals(name)).map(s -> s.labels().get(label))
                .collect(Collectors.toSet());
    }

    private static Set<String> interfacesOfThisHost() throws IOException {
        return ProcfsDevices.parseNetDev(Files.readAllLines(Path.of("/proc/net/dev"))).stream()
                .map(InterfaceCounters::name).collect(Collectors.toSet());
    }

    private static Set<String> disksOfThisHost() throws IOException {
        return ProcfsDevices.parseDiskStats(Files.readAllLines(Path.of("/proc/diskstats"))).stream()
                .map(DiskCounters::device).collect(Collectors.toSet());
    }

    /** Devices whose readings the test scripts, one set per collection. */
    private static final class ScriptedDevices implements HostDevices {

        static final int PROCESSES = 123;

        private final Deque<List<Filesystem>> filesystems = new ArrayDeque<>();
        private final Deque<List<DiskCounters>> disks = new ArrayDeque<>();
        private final Deque<List<InterfaceCounters>> interfaces = new ArrayDeque<>();

        void next(List<Filesystem> fs, List<DiskCounters> d, List<InterfaceCounters> i) {
            filesystems.add(fs);
            disks.add(d);
            interfaces.add(i);
        }

        @Override
        public List<Filesystem> filesystems() {
            return filesystems.remove();
        }

        @Override
        public List<DiskCounters> disks() {
            return disks.remove();
        }

        @Override
        public List<InterfaceCounters> interfaces() {
            return interfaces.remove();
        }

        @Override
        public int processCount() {
            return PROCESSES;
        }
    }
}
