package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps a second DAMS (another process or this one) off a Kafka data directory while a broker runs on it.
 *
 * <p>Kafka's own {@code .lock} files are not enough: the log directory is locked only late in start-up, and a
 * JVM cannot probe a lock it holds itself without risk, because closing any channel on a file drops all of the
 * process's POSIX locks on it. Brokers of this JVM are therefore tracked in a set and never probed.
 */
final class DataDirLock implements AutoCloseable {

    private static final Set<Path> HELD_IN_THIS_JVM = ConcurrentHashMap.newKeySet();
    private static final String KAFKA_LOCK_NAME = ".lock";

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private DataDirLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    static DataDirLock acquire(KafkaLayout layout) {
        Path key;
        try {
            Files.createDirectories(layout.kafkaDir());
            key = layout.kafkaDir().toRealPath();
        } catch (IOException e) {
            throw new PlatformException("cannot create Kafka data directory " + layout.kafkaDir() + " (" + e
                    + "); check its permissions or choose another --data-dir", e);
        }
        if (!HELD_IN_THIS_JVM.add(key)) {
            throw inUse(layout, "another broker in this process, pid " + ProcessHandle.current().pid());
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(layout.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock = tryLock(channel);
            if (lock == null) {
                throw inUse(layout, describeHolder(layout.lockFile()));
            }
            DataDirLock held = new DataDirLock(key, channel, lock);
            try {
                requireKafkaUnlocked(layout, layout.metadataDir());
                requireKafkaUnlocked(layout, layout.logDir());
            } catch (RuntimeException | IOException e) {
                held.close();
                throw e;
            }
            return held;
        } catch (IOException e) {
            closeQuietly(channel);
            HELD_IN_THIS_JVM.remove(key);
            throw new PlatformException("cannot lock Kafka data directory " + layout.kafkaDir() + " (" + e
                    + "); check its permissions or choose another --data-dir", e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            HELD_IN_THIS_JVM.remove(key);
            throw e;
        }
    }

    /** Records who holds the lock, for the message a second DAMS shows; written only once every guard passed. */
    void recordOwner() {
        String owner = "pid=" + ProcessHandle.current().pid() + "\nstarted-at=" + Instant.now() + "\n";
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)), 0);
            channel.force(false);
        } catch (IOException e) {
            // Only the message a second DAMS prints depends on it; the lock itself holds.
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // Closing the channel releases the lock in any case; nothing else to undo.
        } finally {
            HELD_IN_THIS_JVM.remove(key);
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            // Another channel of this JVM holds it: a broker we do not track, which is in use all the same.
            return null;
        }
    }

    /** A Kafka of another process (a DAMS from before this lock, or a plain Kafka) holds its lock in that directory. */
    private static void requireKafkaUnlocked(KafkaLayout layout, Path dir) throws IOException {
        Path kafkaLock = dir.resolve(KAFKA_LOCK_NAME);
        FileChannel channel;
        try {
            // Without CREATE: no lock file, no Kafka running there, and we leave nothing behind.
            channel = FileChannel.open(kafkaLock, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            return;
        }
        try (channel) {
            FileLock probe = tryLock(channel);
            if (probe == null) {
                throw inUse(layout, "a Kafka process holds " + kafkaLock);
            }
            probe.release();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is all that was left to do with it.
        }
    }

    private static String describeHolder(Path lockFile) {
        try {
            String content = Files.readString(lockFile, StandardCharsets.UTF_8);
            for (String line : content.split("\n")) {
                if (line.startsWith("pid=")) {
                    return "pid " + line.substring("pid=".length()).trim();
                }
            }
        } catch (IOException ignored) {
            // The holder is unknown; the message still names the lock file.
        }
        return "it holds " + lockFile;
    }

    static PlatformException inUse(KafkaLayout layout, String holder) {
        return new PlatformException("data directory " + layout.dataDir() + " is in use by another running DAMS ("
                + holder + "); stop it first or choose another --data-dir");
    }
}
