package io.dams.agent.collect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which filesystems, disks and network interfaces the host collector reports, so that every series stands for real
 * capacity or real traffic and none is counted twice.
 *
 * <p>Filesystems skipped by type: kernel and RAM filesystems ({@code proc}, {@code sysfs}, {@code tmpfs},
 * {@code devtmpfs}, {@code cgroup}...), container layers ({@code overlay}, {@code aufs}) and read-only images
 * ({@code squashfs}, {@code erofs}, {@code iso9660}: always 100% full, they would only raise false alarms). Network
 * filesystems ({@code nfs}, {@code cifs}, {@code sshfs}...) are skipped because {@code statvfs} on a mount whose
 * server is away blocks without a timeout and would stall every collection; watch them on their server. {@code /} is
 * reported whatever its type, so an agent in a container still sees its root. Mounts under {@code /proc},
 * {@code /sys}, {@code /dev} and the container runtimes' folders are skipped. Where one device is mounted at several
 * places (bind mounts, btrfs subvolumes, the private {@code /tmp} of a systemd unit) only the shortest mount point is
 * reported: they all show the same space.
 *
 * <p>Disks: whole devices only (a partition's traffic is already in its disk's), without RAM disks, {@code zram},
 * loop devices (snaps, images) and floppies. Interfaces: all but the loopback and the {@code veth} halves of
 * container links, whose traffic also crosses the container bridge and whose names change with every container.
 */
final class DeviceSelection {

    /** A line of the mount table. */
    record MountEntry(String device, String mount, String type) {
    }

    static final Set<String> SKIPPED_FILESYSTEM_TYPES = Set.of(
            "proc", "sysfs", "devtmpfs", "devpts", "devfs", "tmpfs", "ramfs", "rootfs", "cgroup", "cgroup2", "cpuset",
            "securityfs", "pstore", "debugfs", "tracefs", "bpf", "configfs", "fusectl", "mqueue", "hugetlbfs",
            "autofs", "binfmt_misc", "rpc_pipefs", "nsfs", "selinuxfs", "efivarfs", "nfsd", "overlay", "aufs",
            "squashfs", "erofs", "iso9660", "fuse.lxcfs", "fuse.gvfsd-fuse", "fuse.portal", "fuse.snapfuse",
            // network filesystems: statvfs can hang on them
            "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "sshfs", "fuse.sshfs", "glusterfs",
            "fuse.glusterfs", "ceph", "fuse.ceph-fuse", "lustre", "gpfs", "beegfs", "davfs", "fuse.rclone",
            "fuse.s3fs");

    static final List<String> SKIPPED_MOUNT_PREFIXES = List.of(
            "/proc", "/sys", "/dev", "/snap", "/var/lib/docker", "/var/lib/containers", "/var/lib/kubelet",
            "/run/containerd", "/run/docker", "/run/credentials", "/run/user");

    private static final Pattern SKIPPED_DISKS = Pattern.compile(
            "(?:z?ram|loop|fd)\\d+"
                    // partitions: sda1, xvdb2, sdaa1, nvme0n1p1, mmcblk0p1, md0p1
                    + "|(?:h|s|v|xv)d[a-z]+\\d+|nvme\\d+n\\d+p\\d+|mmcblk\\d+p\\d+|md\\d+p\\d+");

    private static final Comparator<MountEntry> SHORTER_MOUNT =
            Comparator.comparingInt((MountEntry e) -> e.mount().length()).thenComparing(MountEntry::mount);

    private DeviceSelection() {
    }

    /** The mounts to report, one per device, in mount-table order; later entries hide earlier ones at a mount point. */
    static List<MountEntry> filesystems(List<MountEntry> mountTable) {
        Map<String, MountEntry> byMount = new LinkedHashMap<>();
        for (MountEntry entry : mountTable) {
            // The last entry at a mount point is the one statvfs sees: it hides those below it.
            byMount.remove(entry.mount());
            byMount.put(entry.mount(), entry);
        }
        Map<String, MountEntry> byDevice = new LinkedHashMap<>();
        List<MountEntry> selected = new ArrayList<>();
        for (MountEntry entry : byMount.values()) {
            if (!isReported(entry)) {
                continue;
            }
            if (entry.device().startsWith("/")) {
                byDevice.merge(entry.device(), entry, (a, b) -> SHORTER_MOUNT.compare(a, b) <= 0 ? a : b);
            } else {
                selected.add(entry);
            }
        }
        selected.addAll(byDevice.values());
        selected.sort(Comparator.comparing(MountEntry::mount));
        return selected;
    }

    private static boolean isReported(MountEntry entry) {
        if (entry.mount().equals("/")) {
            return true;
        }
        if (SKIPPED_FILESYSTEM_TYPES.contains(entry.type())) {
            return false;
        }
        for (String prefix : SKIPPED_MOUNT_PREFIXES) {
            if (entry.mount().equals(prefix) || entry.mount().startsWith(prefix + "/")) {
                return false;
            }
        }
        return true;
    }

    static boolean isReportedDisk(String device) {
        return !SKIPPED_DISKS.matcher(device).matches();
    }

    static boolean isReportedInterface(String name) {
        return !name.equals("lo") && !name.startsWith("veth");
    }
}
