package io.dams.agent.collect;

import io.dams.agent.collect.DeviceSelection.MountEntry;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Filesystems and traffic read straight from Linux procfs: {@code /proc/self/mounts}, {@code /proc/diskstats} and
 * {@code /proc/net/dev}, plus one {@code statvfs} per reported mount.
 *
 * <p>OSHI's own Linux readers are avoided here because they are the expensive part of a collection: its file store
 * listing starts an {@code lsblk} process on every call, its disk stores enumerate udev devices and partitions on
 * every refresh, and its network interfaces read a dozen sysfs files per interface and miss interfaces without an IP
 * address. These three files hold the same counters for every device at once.
 */
final class ProcfsDevices implements HostDevices {

    // /proc/diskstats counts 512-byte sectors whatever the device's real sector size.
    private static final long SECTOR_BYTES = 512;

    private final Path proc;

    ProcfsDevices(Path proc) {
        this.proc = proc;
    }

    @Override
    public List<Filesystem> filesystems() throws IOException {
        List<Filesystem> filesystems = new ArrayList<>();
        for (MountEntry entry : DeviceSelection.filesystems(parseMounts(lines("self/mounts")))) {
            File mount = new File(entry.mount());
            long total = mount.getTotalSpace();
            // 0 means statvfs failed (no permission to reach the mount point) or a filesystem without blocks.
            if (total > 0) {
                filesystems.add(new Filesystem(entry.mount(), total, mount.getFreeSpace(), mount.getUsableSpace()));
            }
        }
        return filesystems;
    }

    @Override
    public List<DiskCounters> disks() throws IOException {
        return parseDiskStats(lines("diskstats"));
    }

    @Override
    public List<InterfaceCounters> interfaces() throws IOException {
        return parseNetDev(lines("net/dev"));
    }

    /** A procfs file's lines; bytes that are not UTF-8 (a mount path in another encoding) read as U+FFFD. */
    private List<String> lines(String file) throws IOException {
        return new String(Files.readAllBytes(proc.resolve(file)), StandardCharsets.UTF_8).lines().toList();
    }

    @Override
    public String toString() {
        return "procfs at " + proc;
    }

    /** Lines of {@code /proc/self/mounts}: {@code device mount type options dump pass}, blanks in paths as octal escapes. */
    static List<MountEntry> parseMounts(List<String> lines) {
        List<MountEntry> entries = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] fields = line.split(" ");
            if (fields.length >= 3) {
                entries.add(new MountEntry(unescape(fields[0]), unescape(fields[1]), fields[2]));
            }
        }
        return entries;
    }

    /** Lines of {@code /proc/diskstats}: {@code major minor name reads merged sectors-read ms writes merged sectors-written ...}. */
    static List<DiskCounters> parseDiskStats(List<String> lines) {
        List<DiskCounters> disks = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 10 && DeviceSelection.isReportedDisk(fields[2])) {
                disks.add(new DiskCounters(fields[2], Long.parseUnsignedLong(fields[5]) * SECTOR_BYTES,
                        Long.parseUnsignedLong(fields[9]) * SECTOR_BYTES));
            }
        }
        return disks;
    }

    /**
     * Lines of {@code /proc/net/dev}: two header lines, then {@code name: rx-bytes rx-packets rx-errs rx-drop rx-fifo
     * rx-frame rx-compressed rx-multicast tx-bytes tx-packets tx-errs ...}; large counters can touch the colon.
     */
    static List<InterfaceCounters> parseNetDev(List<String> lines) {
        List<InterfaceCounters> interfaces = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length >= 11 && DeviceSelection.isReportedInterface(name)) {
                interfaces.add(new InterfaceCounters(name, Long.parseUnsignedLong(f[0]), Long.parseUnsignedLong(f[8]),
                        Long.parseUnsignedLong(f[1]), Long.parseUnsignedLong(f[9]), Long.parseUnsignedLong(f[2]),
                        Long.parseUnsignedLong(f[10])));
            }
        }
        return interfaces;
    }

    /** Decodes the kernel's octal escapes ({@code \040} for a blank, {@code \134} for a backslash...). */
    static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && isOctal(field, i + 1)) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }
}
