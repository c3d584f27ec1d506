package io.dams.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The folder where the embedded platform keeps everything that must survive a restart, held exclusively while the
 * platform runs.
 *
 * <p>A DAMS data directory carries a marker file. A folder that is neither empty nor marked is refused rather than
 * written into, and nothing in it is ever deleted.
 */
public final class DataDirectory implements AutoCloseable {

    static final String MARKER = "dams-data.properties";
    static final String LOCK = ".lock";
    static final int LAYOUT_VERSION = 1;

    private final Path root;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private DataDirectory(Path root, FileChannel lockChannel, FileLock lock) {
        this.root = root;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating when new) and locks a data directory. */
    public static DataDirectory open(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(root);
            Path marker = root.resolve(MARKER);
            if (!Files.exists(marker)) {
                if (!isEmpty(root)) {
                    throw new PlatformException("data directory " + root + " is not empty and was not created by DAMS"
                            + " (no " + MARKER + "); choose a new or empty --data-dir");
                }
                writeMarker(marker);
            } else {
                checkLayout(root, marker);
            }
            FileChannel channel = FileChannel.open(root.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.READ);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                String holder = Files.readString(root.resolve(LOCK), StandardCharsets.UTF_8).trim();
                channel.close();
                throw new PlatformException("data directory " + root + " is in use by another running DAMS"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it first or choose another --data-dir");
            }
            channel.truncate(0);
            channel.write(StandardCharsets.UTF_8.encode(Long.toString(ProcessHandle.current().pid())));
            channel.force(true);
            return new DataDirectory(root, channel, lock);
        } catch (IOException e) {
            throw new PlatformException("cannot use data directory " + root + ": " + e.getMessage(), e);
        }
    }

    public Path root() {
        return root;
    }

    public Path registry() {
        return root.resolve("registry");
    }

    public Path postgres() {
        return root.resolve("postgres");
    }

    /** Where a running platform writes its endpoints, for tools that attach with {@code --data-dir}. */
    public Path endpointsFile() {
        return root.resolve(Endpoints.FILE_NAME);
    }

    @Override
    public void close() {
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void writeMarker(Path marker) throws IOException {
        Properties properties = new Properties();
        properties.setProperty("layout.version", Integer.toString(LAYOUT_VERSION));
        properties.setProperty("created.at", Instant.now().toString());
        try (var out = Files.newBufferedWriter(marker, StandardCharsets.UTF_8)) {
            properties.store(out, "DAMS data directory: keep this file; it marks the folder as DAMS's own");
        }
    }

    private static void checkLayout(Path root, Path marker) throws IOException {
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(marker, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        String version = properties.getProperty("layout.version", "");
        if (!Integer.toString(LAYOUT_VERSION).equals(version)) {
            throw new PlatformException("data directory " + root + " has layout version '" + version + "', this DAMS"
                    + " reads version " + LAYOUT_VERSION + "; use the DAMS version that created it or a new --data-dir");
        }
    }
}
