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
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            // Left behind by a platform that was killed; PostgreSQL refuses to start while it names a live server.
            LOG.info("PostgreSQL data in {} was not shut down cleanly; recovering", dataDir);
        }
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
        return root.getMessage();
    }
}
