package io.dams.agent.collect;

import io.dams.agent.collect.DeviceSelection.MountEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * Filesystems and traffic through OSHI, for hosts without Linux procfs (Windows, macOS, BSD). Slower than
 * {@link ProcfsDevices}: OSHI lists every store and interface afresh on each call.
 */
final class OshiDevices implements HostDevices {

    private final HardwareAbstractionLayer hardware;
    private final OperatingSystem os;

    OshiDevices(HardwareAbstractionLayer hardware, OperatingSystem os) {
        this.hardware = hardware;
        this.os = os;
    }

    @Override
    public String toString() {
        return "OSHI";
    }

    @Override
    public List<Filesystem> filesystems() {
        Map<String, OSFileStore> byMount = new HashMap<>();
        List<MountEntry> table = new ArrayList<>();
        for (OSFileStore store : os.getFileSystem().getFileStores(true)) {
            byMount.put(store.getMount(), store);
            table.add(new MountEntry(store.getVolume(), store.getMount(), store.getType()));
        }
        List<Filesystem> filesystems = new ArrayList<>();
        for (MountEntry entry : DeviceSelection.filesystems(table)) {
            OSFileStore store = byMount.get(entry.mount());
            if (store.getTotalSpace() > 0) {
                filesystems.add(new Filesystem(entry.mount(), store.getTotalSpace(), store.getFreeSpace(),
                        store.getUsableSpace()));
            }
        }
        return filesystems;
    }

    @Override
    public List<DiskCounters> disks() {
        List<DiskCounters> disks = new ArrayList<>();
        for (HWDiskStore disk : hardware.getDiskStores()) {
            if (DeviceSelection.isReportedDisk(disk.getName())) {
                disks.add(new DiskCounters(disk.getName(), disk.getReadBytes(), disk.getWriteBytes()));
            }
        }
        return disks;
    }

    @Override
    public List<InterfaceCounters> interfaces() {
        List<InterfaceCounters> interfaces = new ArrayList<>();
        for (NetworkIF nic : hardware.getNetworkIFs(false)) {
            if (DeviceSelection.isReportedInterface(nic.getName())) {
                interfaces.add(new InterfaceCounters(nic.getName(), nic.getBytesRecv(), nic.getBytesSent(),
                        nic.getPacketsRecv(), nic.getPacketsSent(), nic.getInErrors(), nic.getOutErrors()));
            }
        }
        return interfaces;
    }

    @Override
    public int processCount() {
        return os.getProcessCount();
    }
}
