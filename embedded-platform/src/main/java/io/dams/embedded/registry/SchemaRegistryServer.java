package io.dams.embedded.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.PlatformException;
import io.dams.embedded.PortGuard;
import io.dams.schemas.serde.RegistrySerdes;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schema registry (Apicurio Registry) as a child process on a loopback port, storing in H2 files under a storage
 * folder, that stops when it is closed or when this process dies, however it dies.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    static final String LOG_FILE = "registry.log";
    static final String PID_FILE = "registry.pid";
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final int LOG_LINES_IN_ERRORS = 10;
    /** How the JVM ends after SIGTERM (143) or a normal exit: any class archive it recorded is complete then. */
    private static final Set<Integer> CLEAN_EXITS = Set.of(0, 143);
    /** How often a registry on a port of our choosing may find that port taken before we give up. */
    private static final int PORT_ATTEMPTS = 3;
    /** What Quarkus (and, underneath, Vert.x) logs when its HTTP port is taken. */
    private static final Pattern PORT_TAKEN = Pattern.compile("seems to be in use|Address already in use");

    /**
     * A small server, started often and lightly used: start-up time matters, peak throughput does not. Measured on
     * 2 cores: 9-12 s with defaults, 4-6 s with these, 2 s with the class data archive as well.
     */
    private static final List<String> JVM_FLAGS = List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xmx256m",
            "-XX:+ExitOnOutOfMemoryError");

    /**
     * Runs the registry in the background and stops it when our stdin, a pipe only the parent JVM holds, reaches
     * end-of-file: the kernel closes the pipe when the parent dies, even by SIGKILL. Ctrl-C is ignored (and so by the
     * JVM too, which keeps an inherited SIG_IGN) so that the parent alone decides when the registry stops. Exits
     * with the registry's exit code. Arguments: the pid file, then the command.
     */
    private static final String WRAPPER = String.join("\n",
            "trap '' INT",
            "pidfile=$1; shift",
            "\"$@\" &",
            "child=$!",
            "echo \"$child\" > \"$pidfile\"",
            "{ while read -r _; do :; done; kill -TERM \"$child\" 2>/dev/null; } <&0 &",
            "watcher=$!",
            "wait \"$child\"; rc=$?",
            "kill \"$watcher\" 2>/dev/null",
            "exit \"$rc\"");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);

    private final Process wrapper;
    private final int port;
    private final Path storageDir;
    private final Optional<ClassArchive> archive;
    private final OptionalLong registryPid;
    private boolean closed;

    private SchemaRegistryServer(Process wrapper, int port, Path storageDir, Optional<ClassArchive> archive,
                                 OptionalLong registryPid) {
        this.wrapper = wrapper;
        this.port = port;
        this.storageDir = storageDir;
        this.archive = archive;
        this.registryPid = registryPid;
    }

    /**
     * Starts the registry on {@code port} (0 picks a free one) with its data under {@code storageDir}, and returns
     * once it is ready. A registry left running on the same folder by a crashed run is stopped first.
     *
     * @throws PlatformException when the port is taken, or the registry exits or is not ready within {@code timeout}
     */
    public static SchemaRegistryServer start(RegistryDistribution.Unpacked dist, Path storageDir, int port,
                                             Duration timeout) {
        if (port != 0) {
            Path storage = storageDir.toAbsolutePath().normalize();
            stopLeftover(storage, storage.resolve(PID_FILE));
            PortGuard.requireFree(HOST, port, "schema registry", "--registry-port");
            return launch(dist, storage, port, timeout);
        }
        return startOnAFreePort(dist, storageDir, timeout, () -> PortGuard.freePort(HOST));
    }

    /**
     * Starts the registry on a port from {@code ports}, and on another one when something else bound it first: the
     * registry's JVM binds its port seconds after the port was found free, and other processes (or the kernel, for an
     * outgoing connection) may take it in between.
     */
    static SchemaRegistryServer startOnAFreePort(RegistryDistribution.Unpacked dist, Path storageDir, Duration timeout,
                                                 IntSupplier ports) {
        Path storage = storageDir.toAbsolutePath().normalize();
        stopLeftover(storage, storage.resolve(PID_FILE));
        for (int attempt = 1; ; attempt++) {
            int port = ports.getAsInt();
            try {
                return launch(dist, storage, port, timeout);
            } catch (PortTakenException e) {
                if (attempt == PORT_ATTEMPTS) {
                    throw e;
                }
                LOG.warn("schema registry: port {} was taken by something else while the registry started; trying"
                        + " another port", port);
            }
        }
    }

    private static SchemaRegistryServer launch(RegistryDistribution.Unpacked dist, Path storage, int actualPort,
                                               Duration timeout) {
        Path logFile = storage.resolve(LOG_FILE);
        Path pidFile = storage.resolve(PID_FILE);
        Optional<ClassArchive> archive = ClassArchive.forDistribution(dist.home());

        List<String> command = new ArrayList<>(List.of("bash", "-c", WRAPPER, "dams-schema-registry",
                pidFile.toString(), javaExecutable()));
        command.addAll(JVM_FLAGS);
        archive.ifPresent(a -> command.addAll(a.jvmFlags()));
        command.addAll(List.of(
                "-Dquarkus.http.host=" + HOST,
                "-Dquarkus.http.port=" + actualPort,
                "-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + storage.resolve("registry"),
                "-Dquarkus.banner.enabled=false",
                "-Dquarkus.log.level=WARN",
                // The distribution's prod profile sets io.apicurio to INFO, which the global level does not override.
                "-Dquarkus.log.category.\"io.apicurio\".level=WARN",
                // Warns about a deprecated property in the distribution's own configuration, on every start.
                "-Dquarkus.log.category.\"io.quarkus.runtime.configuration.DeprecatedRuntimePropertiesRecorder\""
                        + ".level=ERROR",
                "-jar", dist.runnerJar().toString()));

        long t0 = System.nanoTime();
        Process process;
        long logStart;
        try {
            Files.createDirectories(storage);
            Files.writeString(logFile, "--- " + Instant.now() + " DAMS starts the schema registry on port "
                    + actualPort + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            logStart = Files.size(logFile);
            process = new ProcessBuilder(command)
                    .directory(storage.toFile()) // a crash report (hs_err) lands here, not wherever we were started
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new PlatformException("cannot start the schema registry: " + e.getMessage()
                    + "; check that bash and " + javaExecutable() + " can run and " + storage + " is writable", e);
        }
        try {
            awaitReady(process, url(actualPort), logFile, logStart, timeout);
        } catch (RuntimeException e) {
            stop(process, archive, storage, readPid(pidFile), actualPort);
            throw e;
        }
        // Read once: the file may later name the registry of another server started on this folder.
        SchemaRegistryServer server = new SchemaRegistryServer(process, actualPort, storage, archive,
                readPid(pidFile));
        LOG.info("schema registry ready on {} in {} ms (pid {}, data {}, log {}{})", server.url(),
                (System.nanoTime() - t0) / 1_000_000, server.registryPid.orElse(-1), storage, logFile,
                archive.map(a -> a.training() ? ", recording a class archive" : ", with class archive").orElse(""));
        return server;
    }

    public int port() {
        return port;
    }

    /** e.g. {@code http://127.0.0.1:8081} */
    public String url() {
        return url(port);
    }

    private static String url(int port) {
        return "http://" + HOST + ":" + port;
    }

    /** The Confluent-compatible API, e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7}. */
    public String ccompatUrl() {
        return url() + RegistrySerdes.CCOMPAT_API_PATH;
    }

    /** Apicurio's own API, e.g. {@code http://127.0.0.1:8081/apis/registry/v2}. */
    public String apiUrl() {
        return url() + RegistrySerdes.NATIVE_API_PATH;
    }

    public Path storageDir() {
        return storageDir;
    }

    public Path logFile() {
        return storageDir.resolve(LOG_FILE);
    }

    /**
     * Stops the registry and whatever it started: SIGTERM to the descendants first, then the wrapper; what is still
     * alive after 10 s is killed. Safe to call more than once.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop(wrapper, archive, storageDir, registryPid, port);
    }

    private static void stop(Process wrapper, Optional<ClassArchive> archive, Path storage, OptionalLong registryPid,
                             int port) {
        long t0 = System.nanoTime();
        boolean forced = terminate(wrapper.toHandle(), STOP_GRACE);
        try {
            // Wakes an orphaned watcher, should the wrapper have been killed from outside.
            wrapper.getOutputStream().close();
        } catch (IOException ignored) {
            // Nothing reads it any more.
        }
        int exit = wrapper.isAlive() ? -1 : wrapper.exitValue();
        archive.ifPresent(a -> a.finish(!forced && CLEAN_EXITS.contains(exit)));
        deletePidFileIfItNames(storage.resolve(PID_FILE), registryPid);
        if (forced) {
            LOG.warn("schema registry on port {} did not stop within {} s; killed it", port, STOP_GRACE.toSeconds());
        } else {
            LOG.info("schema registry on port {} stopped in {} ms", port, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static void awaitReady(Process wrapper, String url, Path logFile, long logStart, Duration timeout) {
        URI health = URI.create(url + "/health/ready");
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            if (!wrapper.isAlive()) {
                String tail = tailOfLog(logFile, logStart);
                String message = "the schema registry exited with code " + wrapper.exitValue() + " while starting;"
                        + " last lines of " + logFile + ": " + tail;
                throw PORT_TAKEN.matcher(tail).find() ? new PortTakenException(message)
                        : new PlatformException(message);
            }
            if (isReady(health)) {
                return;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new PlatformException("the schema registry was not ready on " + url + " within "
                        + timeout.toSeconds() + " s (the machine may be overloaded: give it more time); last lines of "
                        + logFile + ": " + tailOfLog(logFile, logStart));
            }
            try {
                // Waits like a sleep, but returns at once when the registry exits.
                wrapper.onExit().get(POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Still running: poll again.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PlatformException("interrupted while waiting for the schema registry to start", e);
            }
        }
    }

    private static boolean isReady(URI health) {
        try {
            HttpRequest request = HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).GET().build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while waiting for the schema registry to start", e);
        }
    }

    /** The last lines this run wrote to the log, joined into one line. */
    private static String tailOfLog(Path logFile, long logStart) {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long from = Math.max(logStart, file.length() - 16 * 1024);
            byte[] bytes = new byte[(int) (file.length() - from)];
            file.seek(from);
            file.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty())
                    .toList();
            String tail = lines.subList(Math.max(0, lines.size() - LOG_LINES_IN_ERRORS), lines.size()).stream()
                    .map(l -> l.length() > 300 ? l.substring(0, 300) + "…" : l)
                    .collect(Collectors.joining(" | "));
            return tail.isEmpty() ? "(nothing)" : tail;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    /**
     * A registry whose parent was killed together with its wrapper keeps its port and H2 files locked; the pid file
     * finds it. The command line must name this storage folder, so that a reused pid is left alone.
     */
    private static void stopLeftover(Path storage, Path pidFile) {
        OptionalLong pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> leftover = ProcessHandle.of(pid.getAsLong())
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains(storage.toString())).orElse(false));
        if (leftover.isPresent()) {
            boolean forced = terminate(leftover.get(), STOP_GRACE);
            LOG.warn("stopped a schema registry (pid {}) left running on {} by an earlier run{}", pid.getAsLong(),
                    storage, forced ? "; it had to be killed" : "");
        }
        deletePidFileIfItNames(pidFile, pid);
    }

    /** Stops a process tree, descendants first; returns whether something had to be killed. */
    private static boolean terminate(ProcessHandle root, Duration grace) {
        Instant deadline = Instant.now().plus(grace);
        // The registry's JVM holds the port and the H2 files; once it has gone the wrapper exits by itself.
        List<ProcessHandle> descendants = root.descendants().toList();
        descendants.forEach(ProcessHandle::destroy);
        descendants.forEach(p -> awaitExit(p, deadline));
        if (root.isAlive()) {
            root.destroy();
            awaitExit(root, deadline);
        }
        boolean forced = false;
        for (ProcessHandle p : Stream.concat(descendants.stream(), Stream.of(root)).toList()) {
            if (p.isAlive()) {
                forced = true;
                p.destroyForcibly();
                awaitExit(p, Instant.now().plusSeconds(5));
            }
        }
        return forced;
    }

    private static void awaitExit(ProcessHandle process, Instant deadline) {
        long millis = Duration.between(Instant.now(), deadline).toMillis();
        try {
            process.onExit().get(Math.max(millis, 0), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // The caller checks what is still alive.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static OptionalLong readPid(Path pidFile) {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Another server may already have started on the same folder and written its own pid. */
    private static void deletePidFileIfItNames(Path pidFile, OptionalLong pid) {
        if (pid.isPresent() && readPid(pidFile).equals(pid)) {
            try {
                Files.deleteIfExists(pidFile);
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", pidFile, e.getMessage());
            }
        }
    }

    private static String javaExecutable() {
        Path javaHomeJava = Path.of(System.getProperty("java.home"), "bin", "java");
        if (Files.isExecutable(javaHomeJava)) {
            return javaHomeJava.toString();
        }
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static String oneLine(String text) {
        String line = String.join(" ", text.strip().split("\\R"));
        return line.length() > 500 ? line.substring(0, 500) + "…" : line;
    }

    /**
     * An AppCDS archive of the registry's classes, which halves its start-up. The first start records it (when the
     * JVM exits); later starts map it. The JVM crashes on a truncated archive, so one is only put in place after the
     * JVM that wrote it exited cleanly, which it does only once the archive is complete.
     */
    private record ClassArchive(Path archive, Optional<Path> recording) {

        static Optional<ClassArchive> forDistribution(Path home) {
            if (!Files.isWritable(home)) {
                return Optional.empty();
            }
            // The archive fits one JVM build only; a different one would ignore it and never record its own.
            String jvm = System.getProperty("java.vm.version").replaceAll("[^A-Za-z0-9._+-]", "_");
            Path archive = home.resolve("registry-cds-" + jvm + ".jsa");
            if (Files.isRegularFile(archive)) {
                return Optional.of(new ClassArchive(archive, Optional.empty()));
            }
            removeAbandonedRecordings(home);
            Path recording = home.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + "-"
                    + System.nanoTime() + ".tmp");
            return Optional.of(new ClassArchive(archive, Optional.of(recording)));
        }

        boolean training() {
            return recording.isPresent();
        }

        List<String> jvmFlags() {
            // Recording warns of dozens of classes it skips, which would bury the registry's own last words.
            return recording.map(r -> List.of("-XX:ArchiveClassesAtExit=" + r, "-Xlog:cds=off"))
                    .orElse(List.of("-XX:SharedArchiveFile=" + archive));
        }

        void finish(boolean complete) {
            if (recording.isEmpty()) {
                return;
            }
            Path tmp = recording.get();
            try {
                if (complete && Files.isRegularFile(tmp)) {
                    Files.move(tmp, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    LOG.info("recorded a class archive for faster schema registry starts: {}", archive);
                } else {
                    Files.deleteIfExists(tmp);
                }
            } catch (IOException e) {
                LOG.warn("could not keep the schema registry class archive {}: {}", archive, e.getMessage());
            }
        }

        /** Recordings of parents that died: nobody will put them in place (nor complete them, necessarily). */
        private static void removeAbandonedRecordings(Path home) {
            try (Stream<Path> files = Files.list(home)) {
                files.filter(p -> p.getFileName().toString().endsWith(".tmp"))
                        .filter(p -> p.getFileName().toString().startsWith("registry-cds-"))
                        .filter(p -> !parentAlive(p.getFileName().toString()))
                        .forEach(p -> {
                            try {
                                Files.deleteIfExists(p);
                            } catch (IOException e) {
                                LOG.warn("could not delete {}: {}", p, e.getMessage());
                            }
                        });
            } catch (IOException e) {
                LOG.warn("could not list {}: {}", home, e.getMessage());
            }
        }

        private static boolean parentAlive(String recordingName) {
            // registry-cds-<jvm>.jsa.<parent pid>-<nanos>.tmp
            String[] parts = recordingName.split("\\.jsa\\.", 2);
            try {
                long pid = Long.parseLong(parts[1].substring(0, parts[1].indexOf('-')));
                return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            } catch (RuntimeException e) {
                return true; // not ours to judge
            }
        }
    }

    @Override
    public String toString() {
        return "schema registry on " + url() + " (data " + storageDir + ")";
    }

    /** The registry exited because its HTTP port was taken. */
    static final class PortTakenException extends PlatformException {
        PortTakenException(String message) {
            super(message);
        }
    }
}
