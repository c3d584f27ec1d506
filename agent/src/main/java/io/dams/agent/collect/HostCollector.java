package io.dams.agent.collect;

import io.dams.agent.collect.HostDevices.DiskCounters;
import io.dams.agent.collect.HostDevices.Filesystem;
import io.dams.agent.collect.HostDevices.InterfaceCounters;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.CentralProcessor.TickType;
import oshi.hardware.GlobalMemory;
import oshi.hardware.Sensors;
import oshi.hardware.VirtualMemory;
import oshi.software.os.OperatingSystem;

/**
 * The host's own metrics in Prometheus naming: CPU, load, memory, swap, filesystem space, disk and network traffic,
 * uptime, process count and, where there is a sensor, temperature.
 *
 * <p>Series (label in braces): {@code cpu_percent}, {@code cpu_core_percent{core}}, {@code node_load1},
 * {@code node_load5}, {@code node_load15}, {@code memory_used_bytes}, {@code memory_total_bytes},
 * {@code memory_used_percent}, {@code swap_used_bytes}, {@code swap_total_bytes}, {@code swap_used_percent},
 * {@code disk_used_bytes{mount}}, {@code disk_total_bytes{mount}}, {@code disk_used_percent{mount}},
 * {@code disk_read_bytes_per_second{device}}, {@code disk_write_bytes_per_second{device}},
 * {@code network_receive_bytes_per_second{interface}}, {@code network_transmit_bytes_per_second{interface}},
 * {@code network_receive_packets_total{interface}}, {@code network_transmit_packets_total{interface}},
 * {@code network_receive_errors_total{interface}}, {@code network_transmit_errors_total{interface}},
 * {@code uptime_seconds}, {@code process_count}, {@code temperature_celsius}. {@link DeviceSelection} says which
 * mounts, disks and interfaces appear.
 *
 * <p>Percentages and rates come from the difference to the previous collection, so the first collection has none.
 * CPU busy time is everything but idle and I/O wait (steal counts as busy: the guest wanted the CPU); a core is left
 * out of a tick in which it accrued no time. Memory used is total minus available ({@code MemAvailable}), what
 * {@code free} calls used. Disk used percent is df's {@code Use%}: used / (used + available to unprivileged users), so
 * it reaches 100 when ordinary users can no longer write. Without swap, swap used percent is 0. A counter that went
 * backwards (a device re-plugged, a driver reset) gives no rate for that tick.
 *
 * <p>Cost: CPU ticks, memory, load and uptime come from OSHI, which reads them from procfs or a libc call without
 * starting processes; filesystems, traffic and the process count come from {@link ProcfsDevices} on Linux for the
 * reasons given there. OSHI calls left out because they start processes or are slow: processor identification
 * ({@code dmidecode}, {@code cpuid}, {@code lshw}), file store listing ({@code lsblk}), fan speeds and voltages,
 * hardware and OS details. The temperature sensor is looked for once, at construction; without one it is never
 * asked again (on Windows OSHI asks WMI, which is slow). On a Raspberry Pi OSHI reads the temperature by running
 * {@code vcgencmd}, one short process per collection.
 */
public final class HostCollector implements Collector {

    private static final Logger LOG = LoggerFactory.getLogger(HostCollector.class);

    private final CentralProcessor processor;
    private final GlobalMemory memory;
    private final OperatingSystem os;
    private final Sensors sensors;
    private final boolean hasTemperature;
    private final HostDevices devices;
    private final Map<String, String> failingParts = new HashMap<>();

    // The previous collection's counters, for percentages and rates; each collection replaces them.
    private long[][] previousCoreTicks;
    private Map<String, DiskCounters> previousDisks = Map.of();
    private long previousDisksNanos;
    private Map<String, InterfaceCounters> previousInterfaces = Map.of();
    private long previousInterfacesNanos;

    /** Reads this host; builds OSHI's platform objects once, which takes a few hundred milliseconds. */
    public HostCollector() {
        this(new SystemInfo());
    }

    HostCollector(SystemInfo system) {
        this(system, HostDevices.forThisHost(system));
    }

    HostCollector(SystemInfo system, HostDevices devices) {
        this.processor = system.getHardware().getProcessor();
        this.memory = system.getHardware().getMemory();
        this.os = system.getOperatingSystem();
        this.sensors = system.getHardware().getSensors();
        this.hasTemperature = isTemperature(sensors.getCpuTemperature());
        this.devices = devices;
        LOG.info("host metrics: {} cores, {} temperature sensor, devices read through {}",
                processor.getLogicalProcessorCount(), hasTemperature ? "a" : "no", devices);
    }

    @Override
    public String name() {
        return "host";
    }

    @Override
    public synchronized void collect(long timestampMs, Consumer<CollectedSample> sink) {
        part("cpu", () -> collectCpu(timestampMs, sink));
        part("load", () -> collectLoad(timestampMs, sink));
        part("memory", () -> collectMemory(timestampMs, sink));
        part("filesystems", () -> collectFilesystems(timestampMs, sink));
        part("disks", () -> collectDisks(timestampMs, sink));
        part("network", () -> collectNetwork(timestampMs, sink));
        part("system", () -> {
            sink.accept(CollectedSample.of("uptime_seconds", timestampMs, os.getSystemUptime()));
            sink.accept(CollectedSample.of("process_count", timestampMs, devices.processCount()));
        });
        if (hasTemperature) {
            part("temperature", () -> {
                double celsius = sensors.getCpuTemperature();
                if (isTemperature(celsius)) {
                    sink.accept(CollectedSample.of("temperature_celsius", timestampMs, celsius));
                }
            });
        }
    }

    private void collectCpu(long timestampMs, Consumer<CollectedSample> sink) {
        long[][] ticks = processor.getProcessorCpuLoadTicks();
        long[][] previous = previousCoreTicks;
        previousCoreTicks = ticks;
        if (previous == null || previous.length != ticks.length) {
            return;
        }
        long allTotal = 0;
        long allBusy = 0;
        for (int core = 0; core < ticks.length; core++) {
            long total = sum(ticks[core]) - sum(previous[core]);
            long idle = idle(ticks[core]) - idle(previous[core]);
            if (total <= 0) {
                continue;
            }
            long busy = Math.max(0, Math.min(total, total - idle));
            allTotal += total;
            allBusy += busy;
            sink.accept(new CollectedSample("cpu_core_percent", Map.of("core", Integer.toString(core)), timestampMs,
                    100.0 * busy / total));
        }
        if (allTotal > 0) {
            sink.accept(CollectedSample.of("cpu_percent", timestampMs, 100.0 * allBusy / allTotal));
        }
    }

    private void collectLoad(long timestampMs, Consumer<CollectedSample> sink) {
        double[] load = processor.getSystemLoadAverage(3);
        String[] names = {"node_load1", "node_load5", "node_load15"};
        for (int i = 0; i < names.length; i++) {
            // negative: the platform has no load average (Windows)
            if (load[i] >= 0) {
                sink.accept(CollectedSample.of(names[i], timestampMs, load[i]));
            }
        }
    }

    private void collectMemory(long timestampMs, Consumer<CollectedSample> sink) {
        long total = memory.getTotal();
        long used = total - memory.getAvailable();
        sink.accept(CollectedSample.of("memory_total_bytes", timestampMs, total));
        sink.accept(CollectedSample.of("memory_used_bytes", timestampMs, used));
        if (total > 0) {
            sink.accept(CollectedSample.of("memory_used_percent", timestampMs, 100.0 * used / total));
        }
        VirtualMemory swap = memory.getVirtualMemory();
        long swapTotal = swap.getSwapTotal();
        long swapUsed = swap.getSwapUsed();
        sink.accept(CollectedSample.of("swap_total_bytes", timestampMs, swapTotal));
        sink.accept(CollectedSample.of("swap_used_bytes", timestampMs, swapUsed));
        sink.accept(CollectedSample.of("swap_used_percent", timestampMs,
                swapTotal > 0 ? 100.0 * swapUsed / swapTotal : 0));
    }

    private void collectFilesystems(long timestampMs, Consumer<CollectedSample> sink) throws IOException {
        for (Filesystem fs : devices.filesystems()) {
            Map<String, String> mount = Map.of("mount", fs.mount());
            long used = fs.totalBytes() - fs.freeBytes();
            sink.accept(new CollectedSample("disk_total_bytes", mount, timestampMs, fs.totalBytes()));
            sink.accept(new CollectedSample("disk_used_bytes", mount, timestampMs, used));
            long usable = used + fs.availableBytes();
            if (usable > 0) {
                sink.accept(new CollectedSample("disk_used_percent", mount, timestampMs, 100.0 * used / usable));
            }
        }
    }

    private void collectDisks(long timestampMs, Consumer<CollectedSample> sink) throws IOException {
        List<DiskCounters> disks = devices.disks();
        long now = System.nanoTime();
        double seconds = (now - previousDisksNanos) / 1e9;
        Map<String, DiskCounters> current = new HashMap<>();
        for (DiskCounters disk : disks) {
            current.put(disk.device(), disk);
            DiskCounters before = previousDisks.get(disk.device());
            if (before != null) {
                Map<String, String> device = Map.of("device", disk.device());
                rate(sink, "disk_read_bytes_per_second", device, before.readBytes(), disk.readBytes(), seconds,
                        timestampMs);
                rate(sink, "disk_write_bytes_per_second", device, before.writtenBytes(), disk.writtenBytes(), seconds,
                        timestampMs);
            }
        }
        previousDisks = current;
        previousDisksNanos = now;
    }

    private void collectNetwork(long timestampMs, Consumer<CollectedSample> sink) throws IOException {
        List<InterfaceCounters> interfaces = devices.interfaces();
        long now = System.nanoTime();
        double seconds = (now - previousInterfacesNanos) / 1e9;
        Map<String, InterfaceCounters> current = new HashMap<>();
        for (InterfaceCounters nic : interfaces) {
            current.put(nic.name(), nic);
            Map<String, String> name = Map.of("interface", nic.name());
            InterfaceCounters before = previousInterfaces.get(nic.name());
            if (before != null) {
                rate(sink, "network_receive_bytes_per_second", name, before.receivedBytes(), nic.receivedBytes(),
                        seconds, timestampMs);
                rate(sink, "network_transmit_bytes_per_second", name, before.transmittedBytes(),
                        nic.transmittedBytes(), seconds, timestampMs);
            }
            sink.accept(new CollectedSample("network_receive_packets_total", name, timestampMs, nic.receivedPackets()));
            sink.accept(new CollectedSample("network_transmit_packets_total", name, timestampMs,
                    nic.transmittedPackets()));
            sink.accept(new CollectedSample("network_receive_errors_total", name, timestampMs, nic.receiveErrors()));
            sink.accept(new CollectedSample("network_transmit_errors_total", name, timestampMs, nic.transmitErrors()));
        }
        previousInterfaces = current;
        previousInterfacesNanos = now;
    }

    private static void rate(Consumer<CollectedSample> sink, String name, Map<String, String> labels, long before,
                             long after, double seconds, long timestampMs) {
        if (seconds > 0 && after >= before) {
            sink.accept(new CollectedSample(name, labels, timestampMs, (after - before) / seconds));
        }
    }

    private static long sum(long[] ticks) {
        long total = 0;
        for (long t : ticks) {
            total += t;
        }
        return total;
    }

    private static long idle(long[] ticks) {
        return ticks[TickType.IDLE.getIndex()] + ticks[TickType.IOWAIT.getIndex()];
    }

    private static boolean isTemperature(double celsius) {
        // OSHI answers 0 (or NaN) when it has no sensor.
        return celsius > 0 && Double.isFinite(celsius);
    }

    /** One group of series; its failure is logged when it starts or changes and does not cost the other groups. */
    @FunctionalInterface
    private interface Part {
        void read() throws IOException;
    }

    private void part(String name, Part part) {
        try {
            part.read();
            if (failingParts.remove(name) != null) {
                LOG.info("host metrics: {} readable again", name);
            }
        } catch (IOException e) {
            String problem = e.toString();
            if (!problem.equals(failingParts.put(name, problem))) {
                LOG.warn("host metrics: cannot read {}: {}", name, problem);
            }
        } catch (RuntimeException e) {
            String problem = e.toString();
            if (!problem.equals(failingParts.put(name, problem))) {
                LOG.warn("host metrics: reading {} failed", name, e);
            }
        }
    }
}
