package io.dams.embedded.postgres;

import io.dams.embedded.PlatformException;
import io.dams.embedded.PortGuard;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A real PostgreSQL server, run from the binaries on the classpath, with its data in the platform's data directory. */
public final class PostgresServer implements AutoCloseable {

    /** The database DAMS owns; created on first start. */
    public static final String DATABASE = "dams";
    public static final String USER = "postgres";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);

    private final EmbeddedPostgres postgres;

    private PostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on {@code port} (0 picks a free one) with its data under {@code dataDir}, which is kept across
     * restarts; the unpacked binaries are shared under {@code binariesDir}.
     */
    public static PostgresServer start(Path dataDir, Path binariesDir, int port) {
        PortGuard.requireFree("127.0.0.1", port, "PostgreSQL", "--postgres-port");
        int chosen = port == 0 ? PortGuard.freePort("127.0.0.1") : port;
        stopLeftover(dataDir);
        try {
            Files.createDirectories(binariesDir);
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(binariesDir.toFile())
                    .setPort(chosen)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
            PostgresServer server = new PostgresServer(postgres);
            server.createDatabaseIfMissing();
            return server;
        } catch (IOException | SQLException | RuntimeException e) {
            throw new PlatformException("PostgreSQL did not start on port " + chosen + " with data in " + dataDir + ": "
                    + rootMessage(e) + "; see the server log in that directory", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return postgres.getJdbcUrl(USER, DATABASE);
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            LOG.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    /**
     * PostgreSQL runs as a daemon, so a platform that was killed leaves its server running on our data directory, and
     * a new one would refuse to start beside it. Stop that server first: its clients died with the platform.
     */
    static void stopLeftover(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> leftover;
        try {
            leftover = Files.readAllLines(pidFile).stream().findFirst().map(String::strip)
                    .flatMap(pid -> pid.matches("\\d+") ? ProcessHandle.of(Long.parseLong(pid)) : Optional.empty())
                    .filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
        } catch (IOException e) {
            throw new PlatformException("cannot read " + pidFile + ": " + e.getMessage(), e);
        }
        if (leftover.isEmpty()) {
            return; // a stale file from a crash: PostgreSQL recovers from it by itself
        }
        ProcessHandle postmaster = leftover.get();
        LOG.info("stopping PostgreSQL (pid {}) left running on {} by an earlier run", postmaster.pid(), dataDir);
        postmaster.destroy();
        try {
            postmaster.onExit().get(30, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            postmaster.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while stopping a leftover PostgreSQL", e);
        } catch (ExecutionException e) {
            throw new PlatformException("cannot stop the PostgreSQL left running on " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private void createDatabaseIfMissing() throws SQLException {
        try (Connection connection = postgres.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            var rs = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
            if (!rs.next()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
