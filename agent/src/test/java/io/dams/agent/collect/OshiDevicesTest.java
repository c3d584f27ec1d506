package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.agent.collect.HostDevices.DiskCounters;
import io.dams.agent.collect.HostDevices.Filesystem;
import io.dams.agent.collect.HostDevices.InterfaceCounters;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import oshi.SystemInfo;

/** The fallback for hosts without procfs, exercised here on whatever host runs the tests. */
class OshiDevicesTest {

    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void shouldReportTheRootAndTrafficCountersThroughOshi() {
        SystemInfo system = new SystemInfo();
        OshiDevices devices = new OshiDevices(system.getHardware(), system.getOperatingSystem());

        List<Filesystem> filesystems = devices.filesystems();
        List<DiskCounters> disks = devices.disks();
        List<InterfaceCounters> interfaces = devices.interfaces();

        assertThat(filesystems).extracting(Filesystem::mount).contains("/").doesNotHaveDuplicates()
                .noneMatch(m -> m.startsWith("/proc") || m.startsWith("/sys"));
        assertThat(filesystems).allSatisfy(fs -> {
            assertThat(fs.totalBytes()).isPositive();
            assertThat(fs.availableBytes()).isBetween(0L, fs.totalBytes());
        });
        assertThat(disks).allSatisfy(d -> {
            assertThat(DeviceSelection.isReportedDisk(d.device())).isTrue();
            assertThat(d.readBytes()).isNotNegative();
        });
        assertThat(interfaces).extracting(InterfaceCounters::name).doesNotContain("lo");
        assertThat(interfaces).allSatisfy(i -> assertThat(i.receivedPackets()).isNotNegative());
    }
}
