package io.dams.agent.collect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import oshi.SystemInfo;

/** Where the host collector reads filesystems, disk traffic and network traffic, already narrowed by {@link DeviceSelection}. */
interface HostDevices {

    /** Space on one mounted filesystem, as {@code statvfs} reports it. */
    record Filesystem(String mount, long totalBytes, long freeBytes, long availableBytes) {
    }

    /** Cumulative bytes a disk has read and written since boot. */
    record DiskCounters(String device, long readBytes, long writtenBytes) {
    }

    /** Cumulative traffic of one network interface since it appeared. */
    record InterfaceCounters(String name, long receivedBytes, long transmittedBytes, long receivedPackets,
                             long transmittedPackets, long receiveErrors, long transmitErrors) {
    }

    List<Filesystem> filesystems() throws IOException;

    List<DiskCounters> disks() throws IOException;

    List<InterfaceCounters> interfaces() throws IOException;

    /** Processes running on the host. */
    int processCount() throws IOException;

    /** procfs where there is one (Linux: three file reads and a listing of {@code /proc}), OSHI elsewhere. */
    static HostDevices forThisHost(SystemInfo system) {
        Path proc = Path.of("/proc");
        if (Files.isReadable(proc.resolve("self/mounts")) && Files.isReadable(proc.resolve("diskstats"))
                && Files.isReadable(proc.resolve("net/dev"))) {
            return new ProcfsDevices(proc);
        }
        return new OshiDevices(system.getHardware(), system.getOperatingSystem());
    }
}
