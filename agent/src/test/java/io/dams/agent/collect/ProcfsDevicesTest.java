package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.dams.agent.collect.DeviceSelection.MountEntry;
import io.dams.agent.collect.HostDevices.DiskCounters;
import io.dams.agent.collect.HostDevices.InterfaceCounters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import oshi.SystemInfo;

class ProcfsDevicesTest {

    @Test
    void shouldReportRealFilesystemsOncePerDevice() {
        List<MountEntry> table = ProcfsDevices.parseMounts(List.of(
                "proc /proc proc rw,relatime 0 0",
                "sysfs /sys sysfs rw 0 0",
                "/dev/sda1 / ext4 rw 0 0",
                "/dev/sda1 / ext4 ro 0 0",
                "tmpfs /run tmpfs rw 0 0",
                "/dev/sdb1 /home xfs rw 0 0",
                "/dev/sda1 /tmp ext4 rw 0 0",
                "/dev/sda1 /var/tmp ext4 rw 0 0",
                "server:/export /mnt/nfs nfs4 rw 0 0",
                "overlay /var/lib/docker/overlay2/abc/merged overlay rw 0 0",
                "/dev/sdc1 /var/lib/docker/volumes/x ext4 rw 0 0",
                "/dev/loop3 /snap/core/123 squashfs ro 0 0",
                "/dev/sdd1 /mnt/my\\040disk ext4 rw 0 0",
                "/dev/sde1 /data ext4 rw 0 0",
                "tmpfs /data tmpfs rw 0 0",
                "rpool/data /tank zfs rw 0 0",
                "rpool/logs /tank/logs zfs rw 0 0",
                "garbage"));

        assertThat(DeviceSelection.filesystems(table)).extracting(MountEntry::mount)
                .containsExactly("/", "/home", "/mnt/my disk", "/tank", "/tank/logs");
    }

    @Test
    void shouldReportTheRootWhateverItsType() {
        List<MountEntry> table = ProcfsDevices.parseMounts(List.of(
                "overlay / overlay rw,lowerdir=/l,upperdir=/u 0 0",
                "tmpfs /dev/shm tmpfs rw 0 0"));

        assertThat(DeviceSelection.filesystems(table)).extracting(MountEntry::mount).containsExactly("/");
    }

    @Test
    void shouldDecodeOctalEscapesInMountPaths() {
        assertThat(ProcfsDevices.unescape("/mnt/a\\040b\\011c\\134d")).isEqualTo("/mnt/a b\tc\\d");
        assertThat(ProcfsDevices.unescape("/plain")).isEqualTo("/plain");
        assertThat(ProcfsDevices.unescape("/odd\\04")).isEqualTo("/odd\\04");
    }

    @Test
    void shouldCountWholeDisksInBytesWithoutPartitionsOrVirtualDevices() {
        List<DiskCounters> disks = ProcfsDevices.parseDiskStats(List.of(
                "   8       0 sda 100 0 2000 0 50 0 4000 0 0 0 0 0 0 0 0 0 0",
                "   8       1 sda1 100 0 2000 0 50 0 4000 0 0 0 0",
                " 259       0 nvme0n1 1 0 10 0 1 0 20 0 0 0 0",
                " 259       1 nvme0n1p1 1 0 10 0 1 0 20 0 0 0 0",
                " 179       0 mmcblk0 1 0 3 0 1 0 5 0 0 0 0",
                " 179       1 mmcblk0p2 1 0 3 0 1 0 5 0 0 0 0",
                "  65     160 sdaa 1 0 1 0 1 0 1 0 0 0 0",
                "  65     161 sdaa1 1 0 1 0 1 0 1 0 0 0 0",
                " 253       0 dm-0 1 0 7 0 1 0 9 0 0 0 0",
                "   7       0 loop0 1 0 1 0 0 0 0 0 0 0 0",
                " 252       0 zram0 1 0 1 0 0 0 0 0 0 0 0",
                "   1       0 ram0 1 0 1 0 0 0 0 0 0 0 0",
                " 254       0 vda 60391 8523 5526714 64629 159762 47191 10638832 94297 0 39016 174727"));

        assertThat(disks).extracting(DiskCounters::device, DiskCounters::readBytes, DiskCounters::writtenBytes)
                .containsExactly(
                        tuple("sda", 2000L * 512, 4000L * 512),
                        tuple("nvme0n1", 10L * 512, 20L * 512),
                        tuple("mmcblk0", 3L * 512, 5L * 512),
                        tuple("sdaa", 512L, 512L),
                        tuple("dm-0", 7L * 512, 9L * 512),
                        tuple("vda", 5526714L * 512, 10638832L * 512));
    }

    @Test
    void shouldReadInterfaceCountersWithoutLoopbackOrContainerLinks() {
        List<InterfaceCounters> interfaces = ProcfsDevices.parseNetDev(List.of(
                "Inter-|   Receive                                                |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
                "    lo: 4274998   30083    0    0    0     0          0         0  4274998   30083    0    0    0     0       0          0",
                "  eth0:374048905 9211 3 0 0 0 0 0   813611    6975    4    0    0     0       0          0",
                "veth1a2b: 10 1 0 0 0 0 0 0 20 2 0 0 0 0 0 0",
                " wlan0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"));

        assertThat(interfaces).containsExactly(
                new InterfaceCounters("eth0", 374048905, 813611, 9211, 6975, 3, 4),
                new InterfaceCounters("wlan0", 1, 9, 2, 10, 3, 11));
    }

    @Test
    void shouldReadTheFilesOfAProcfsTree(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("self/mounts"), "proc /proc proc rw 0 0\n/dev/root / ext4 rw 0 0\n");
        Files.writeString(proc.resolve("diskstats"), "   8       0 sda 1 0 2 0 3 0 4 0 0 0 0\n");
        Files.writeString(proc.resolve("net/dev"), "h1\nh2\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n");
        ProcfsDevices devices = new ProcfsDevices(proc);

        assertThat(devices.filesystems()).singleElement().satisfies(fs -> {
            assertThat(fs.mount()).isEqualTo("/");
            assertThat(fs.totalBytes()).isPositive();
            assertThat(fs.freeBytes()).isBetween(0L, fs.totalBytes());
            assertThat(fs.availableBytes()).isBetween(0L, fs.freeBytes());
        });
        assertThat(devices.disks()).containsExactly(new DiskCounters("sda", 1024, 2048));
        assertThat(devices.interfaces()).extracting(InterfaceCounters::name).containsExactly("eth0");
    }

    @Test
    void shouldSplitFieldsOnBlanksAndTabsUpToTheMaximum() {
        assertThat(ProcfsDevices.fields("   8       0 sda\t100  0", 0, 10)).containsExactly("8", "0", "sda", "100", "0");
        assertThat(ProcfsDevices.fields("a b c d", 0, 2)).containsExactly("a", "b");
        assertThat(ProcfsDevices.fields("eth0:1 2", 5, 3)).containsExactly("1", "2");
        assertThat(ProcfsDevices.fields("   ", 0, 3)).isEmpty();
    }

    @Test
    void shouldCountTheNumberedEntriesOfProcAsProcesses(@TempDir Path proc) throws IOException {
        for (String entry : List.of("1", "42", "31337", "self", "net", "sys", "1a", "thread-self")) {
            Files.createDirectories(proc.resolve(entry));
        }
        Files.writeString(proc.resolve("7"), "a file named by a number still counts: procfs has no such files");

        assertThat(new ProcfsDevices(proc).processCount()).isEqualTo(4);
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void shouldCountAboutAsManyProcessesAsOshi() throws IOException {
        int oshi = new SystemInfo().getOperatingSystem().getProcessCount();
        int procfs = new ProcfsDevices(Path.of("/proc")).processCount();

        // processes start and end between the two readings
        assertThat(procfs).isBetween(oshi - 20, oshi + 20).isPositive();
    }

    @Test
    void shouldSelectTheMountsAgainWhenTheMountTableChanges(@TempDir Path proc) throws IOException {
        Files.createDirectories(proc.resolve("self"));
        Path mounts = proc.resolve("self/mounts");
        Files.writeString(mounts, "/dev/root / ext4 rw 0 0\n");
        ProcfsDevices devices = new ProcfsDevices(proc);
        assertThat(devices.filesystems()).extracting(HostDevices.Filesystem::mount).containsExactly("/");

        Files.writeString(mounts, "/dev/root / ext4 rw 0 0\n/dev/other " + proc + " ext4 rw 0 0\n");

        assertThat(devices.filesystems()).extracting(HostDevices.Filesystem::mount)
                .containsExactly("/", proc.toString());
        Files.writeString(mounts, "/dev/root / ext4 rw 0 0\n");
        assertThat(devices.filesystems()).extracting(HostDevices.Filesystem::mount).containsExactly("/");
    }

    @Test
    void shouldReadDiskCountersAgainOnEveryCall(@TempDir Path proc) throws IOException {
        Files.writeString(proc.resolve("diskstats"),
                "   8       0 sda 1 0 2 0 3 0 4 0 0 0 0\n   7 0 loop0 1 0 1 0 0 0 0 0\n");
        ProcfsDevices devices = new ProcfsDevices(proc);
        assertThat(devices.disks()).containsExactly(new DiskCounters("sda", 1024, 2048));

        Files.writeString(proc.resolve("diskstats"),
                "   8       0 sda 1 0 6 0 3 0 8 0 0 0 0\n   7 0 loop0 1 0 1 0 0 0 0 0\n");

        assertThat(devices.disks()).containsExactly(new DiskCounters("sda", 3072, 4096));
    }
}
