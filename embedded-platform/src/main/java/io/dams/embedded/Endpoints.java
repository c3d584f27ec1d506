package io.dams.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/** Where each part of a running platform listens; written to its data directory for tools that attach to it. */
public record Endpoints(String bootstrapServers, String registryUrl, String jdbcUrl, String jdbcUser, long pid) {

    public static final String FILE_NAME = "endpoints.properties";

    /** The registry's Confluent-compatible API. */
    public String ccompatUrl() {
        return registryUrl + io.dams.schemas.serde.RegistrySerdes.CCOMPAT_API_PATH;
    }

    public void writeTo(Path file) {
        Properties properties = new Properties();
        properties.setProperty("bootstrap.servers", bootstrapServers);
        properties.setProperty("registry.url", registryUrl);
        properties.setProperty("jdbc.url", jdbcUrl);
        properties.setProperty("jdbc.user", jdbcUser);
        properties.setProperty("pid", Long.toString(pid));
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                properties.store(out, "Endpoints of the running DAMS platform; removed when it stops");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new PlatformException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The endpoints of the platform running on {@code dataDir}; empty when none runs there (no file, or the process
     * that wrote it is gone).
     */
    public static Optional<Endpoints> readRunning(Path dataDir) {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties properties = new Properties();
        try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        } catch (IOException e) {
            throw new PlatformException("cannot read " + file + ": " + e.getMessage(), e);
        }
        long pid = Long.parseLong(properties.getProperty("pid", "-1"));
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return Optional.of(new Endpoints(properties.getProperty("bootstrap.servers"),
                    properties.getProperty("registry.url"), properties.getProperty("jdbc.url"),
                    properties.getProperty("jdbc.user"), pid));
        }
        return Optional.empty();
    }
}
