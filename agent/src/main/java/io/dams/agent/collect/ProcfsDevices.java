package io.dams.agent.collect;

import io.dams.agent.collect.DeviceSelection.MountEntry;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Filesystems, traffic and the process count read straight from Linux procfs: {@code /proc/self/mounts},
 * {@code /proc/diskstats}, {@code /proc/net/dev} and the listing of {@code /proc}, plus one {@code statvfs} per
 * reported mount.
 *
 * <p>OSHI's own Linux readers are avoided here because they are the expensive part of a collection: its file store
 * listing starts an {@code lsblk} process on every call, its disk stores enumerate udev devices and partitions on
 * every refresh, its network interfaces read a dozen sysfs files per interface and miss interfaces without an IP
 * address, and its process count builds a {@code File} and runs a regular expression for every entry of
 * {@code /proc}. These files hold the same counters for every device at once.
 *
 * <p>This runs every tick, so lines are split by hand rather than by regular expression, the mount table is selected
 * again only when its bytes change, and whether a disk is reported is decided once per device name. Not thread-safe:
 * the host collector calls it from one thread at a time.
 */
final class ProcfsDevices implements HostDevices {

    // /proc/diskstats counts 512-byte sectors whatever the device's real sector size.
    private static final long SECTOR_BYTES = 512;
    /** Device names remembered; beyond this (devices come and go by the thousand) the memory starts again. */
    private static final int MAX_REMEMBERED_DISKS = 1024;

    private final Path proc;
    private final Map<String, Boolean> reportedDisks = new HashMap<>();
    private byte[] mountTable = new byte[0];
    private List<MountEntry> selectedMounts = List.of();

    ProcfsDevices(Path proc) {
        this.proc = proc;
    }

    @Override
    public List<Filesystem> filesystems() throws IOException {
        byte[] table = Files.readAllBytes(proc.resolve("self/mounts"));
        if (!Arrays.equals(table, mountTable)) {
            selectedMounts = DeviceSelection.filesystems(parseMounts(lines(table)));
            mountTable = table;
        }
        List<Filesystem> filesystems = new ArrayList<>(selectedMounts.size());
        for (MountEntry entry : selectedMounts) {
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
        if (reportedDisks.size() > MAX_REMEMBERED_DISKS) {
            reportedDisks.clear();
        }
        return parseDiskStats(lines(Files.readAllBytes(proc.resolve("diskstats"))),
                device -> reportedDisks.computeIfAbsent(device, DeviceSelection::isReportedDisk));
    }

    @Override
    public List<InterfaceCounters> interfaces() throws IOException {
        return parseNetDev(lines(Files.readAllBytes(proc.resolve("net/dev"))));
    }

    /** The entries of {@code /proc} named by a number: one per process (threads are listed under their process). */
    @Override
    public int processCount() throws IOException {
        String[] entries = proc.toFile().list();
        if (entries == null) {
            throw new IOException("cannot list " + proc);
        }
        int processes = 0;
        for (String entry : entries) {
            if (isNumber(entry)) {
                processes++;
            }
        }
        return processes;
    }

    /** A procfs file's lines; bytes that are not UTF-8 (a mount path in another encoding) read as U+FFFD. */
    private static List<String> lines(byte[] file) {
        return new String(file, StandardCharsets.UTF_8).lines().toList();
    }

    @Override
    public String toString() {
        return "procfs at " + proc;
    }

    /** Lines of {@code /proc/self/mounts}: {@code device mount type options dump pass}, blanks in paths as octal escapes. */
    static List<MountEntry> parseMounts(List<String> lines) {
        List<MountEntry> entries = new ArrayList<>(lines.size());
        for (String line : lines) {
            String[] fields = fields(line, 0, 3);
            if (fields.length >= 3) {
                entries.add(new MountEntry(unescape(fields[0]), unescape(fields[1]), fields[2]));
            }
        }
        return entries;
    }

    /** Lines of {@code /proc/diskstats}: {@code major minor name reads merged sectors-read ms writes merged sectors-written ...}. */
    static List<DiskCounters> parseDiskStats(List<String> lines) {
        return parseDiskStats(lines, DeviceSelection::isReportedDisk);
    }

    private static List<DiskCounters> parseDiskStats(List<String> lines, Predicate<String> reported) {
        List<DiskCounters> disks = new ArrayList<>();
        for (String line : lines) {
            String[] fields = fields(line, 0, 10);
            if (fields.length >= 10 && reported.test(fields[2])) {
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
            if (!DeviceSelection.isReportedInterface(name)) {
                continue;
            }
            String[] f = fields(line, colon + 1, 11);
            if (f.length >= 11) {
                interfaces.add(new InterfaceCounters(name, Long.parseUnsignedLong(f[0]), Long.parseUnsignedLong(f[8]),
                        Long.parseUnsignedLong(f[1]), Long.parseUnsignedLong(f[9]), Long.parseUnsignedLong(f[2]),
                        Long.parseUnsignedLong(f[10])));
            }
        }
        return interfaces;
    }

    /**
     * Up to {@code max} fields of {@code line} from {@code from} on, separated by blanks and tabs; fewer when the line
     * has fewer.
     */
    static String[] fields(String line, int from, int max) {
        String[] fields = new String[max];
        int count = 0;
        int i = from;
        int end = line.length();
        while (count < max) {
            while (i < end && isBlank(line.charAt(i))) {
                i++;
            }
            if (i == end) {
                break;
            }
            int start = i;
            while (i < end && !isBlank(line.charAt(i))) {
                i++;
            }
            fields[count++] = line.substring(start, i);
        }
        return count == max ? fields : Arrays.copyOf(fields, count);
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
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
