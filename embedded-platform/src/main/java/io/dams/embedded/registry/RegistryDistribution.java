package io.dams.embedded.registry;

import io.dams.embedded.PlatformException;
import io.dams.embedded.PlatformSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.CodeSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the Apicurio Registry server distribution (a zip) and unpacks it, once, into a cache directory. */
public final class RegistryDistribution {

    /** The version the build fetched: {@code apicurio.version} of the root pom.xml. */
    public static final String VERSION = buildVersion();
    static final String ARTIFACT = "apicurio-registry-app-" + VERSION;
    public static final String ZIP_NAME = ARTIFACT + "-all.zip";
    static final String RUNNER_JAR = ARTIFACT + "-runner.jar";
    /** Written last: a folder without it is an interrupted unpack, never used. */
    static final String MARKER = ".dams-unpacked";
    static final String PROPERTY = "dams.registry.dist";
    static final String ENVIRONMENT = "DAMS_REGISTRY_DIST";
    private static final String UNPACKING = ".unpacking-";
    /** Older than this, an unpacking folder belongs to a process that died mid-way. */
    private static final Duration ABANDONED = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(RegistryDistribution.class);

    private final Path zip;

    private RegistryDistribution(Path zip) {
        this.zip = zip;
    }

    private static String buildVersion() {
        try (var in = RegistryDistribution.class.getResourceAsStream("distribution.properties")) {
            java.util.Properties properties = new java.util.Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("distribution.properties is missing from the build", e);
        }
    }

    /** An unpacked distribution: its folder and the jar that runs the server. */
    public record Unpacked(Path home, Path runnerJar) {
    }

    private record Place(Path zip, String origin) {
        @Override
        public String toString() {
            return origin.isEmpty() ? zip.toString() : zip + " (" + origin + ")";
        }
    }

    /**
     * Finds the zip: {@code explicit} alone when given (an operator's path that is wrong is reported, not replaced by
     * another copy); else system property {@value #PROPERTY}, environment {@value #ENVIRONMENT}, {@code registry/}
     * beside the jar holding this class (the launcher's {@code target/} layout), the Maven local repository.
     */
    public static RegistryDistribution locate(Optional<Path> explicit) {
        return locate(explicit, System::getProperty, System::getenv, codeJar());
    }

    /** {@link #locate(Optional)} with no explicit path. */
    public static RegistryDistribution locate() {
        return locate(Optional.empty());
    }

    static RegistryDistribution locate(Optional<Path> explicit, Function<String, String> properties,
                                       Function<String, String> environment, Optional<Path> codeJar) {
        List<Place> places = new ArrayList<>();
        if (explicit.isPresent()) {
            places.add(new Place(explicit.get(), "--registry-dist"));
        } else {
            configured(properties.apply(PROPERTY)).ifPresent(p -> places.add(new Place(p, "-D" + PROPERTY)));
            configured(environment.apply(ENVIRONMENT)).ifPresent(p -> places.add(new Place(p, "$" + ENVIRONMENT)));
            codeJar.map(Path::getParent).ifPresent(dir -> {
                // The launcher's jar sits in target/, the libraries (this one among them) in target/lib/.
                places.add(new Place(dir.resolve("registry").resolve(ZIP_NAME), ""));
                if (dir.getParent() != null) {
                    places.add(new Place(dir.getParent().resolve("registry").resolve(ZIP_NAME), ""));
                }
            });
            places.add(new Place(mavenRepository(properties).resolve("io/apicurio/apicurio-registry-app")
                    .resolve(VERSION).resolve(ZIP_NAME), ""));
        }
        for (Place place : places) {
            if (Files.isRegularFile(place.zip())) {
                places.stream()
                        .takeWhile(p -> p != place)
                        .filter(p -> !p.origin().isEmpty())
                        .forEach(p -> LOG.warn("{} names no file; using {}", p, place.zip()));
                return new RegistryDistribution(place.zip().toAbsolutePath().normalize());
            }
        }
        throw new PlatformException("schema registry distribution " + ZIP_NAME + " not found (looked in: "
                + places.stream().map(Place::toString).collect(Collectors.joining(", ")) + "); run ./mvnw -pl"
                + " launcher -am package to fetch it, or pass its path with --registry-dist / " + ENVIRONMENT);
    }

    public Path zip() {
        return zip;
    }

    /** {@link #unpack(Path)} into {@link PlatformSettings#defaultCacheDir()}. */
    public Unpacked unpack() {
        return unpack(PlatformSettings.defaultCacheDir());
    }

    /**
     * Unpacks into {@code <cacheDir>/apicurio-registry-app-<version>/}, or reuses what an earlier call unpacked there.
     * Safe against concurrent callers and interrupted runs: the folder appears complete or not at all.
     */
    public Unpacked unpack(Path cacheDir) {
        Path cache = cacheDir.toAbsolutePath().normalize();
        Path home = cache.resolve(ARTIFACT);
        if (Files.isRegularFile(home.resolve(MARKER))) {
            return unpacked(home);
        }
        long t0 = System.nanoTime();
        Path tmp = null;
        try {
            Files.createDirectories(cache);
            removeAbandoned(cache);
            tmp = Files.createTempDirectory(cache, ARTIFACT + UNPACKING);
            extract(zip, tmp);
            if (!Files.isRegularFile(tmp.resolve(RUNNER_JAR))) {
                throw new PlatformException(zip + " is not the schema registry distribution (it holds no " + RUNNER_JAR
                        + "); pass " + ZIP_NAME + " with --registry-dist / " + ENVIRONMENT);
            }
            Files.writeString(tmp.resolve(MARKER), "unpacked from " + zip + " at " + Instant.now() + "\n",
                    StandardCharsets.UTF_8);
            moveIntoPlace(tmp, home);
        } catch (ZipException e) {
            throw new PlatformException(zip + " is not a readable zip (" + e.getMessage() + "); delete it and run"
                    + " ./mvnw -pl launcher -am package to fetch it again", e);
        } catch (IOException | UncheckedIOException e) {
            throw new PlatformException("cannot unpack " + zip + " into " + cache + ": " + e.getMessage()
                    + "; check free space and permissions there", e);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
        LOG.info("unpacked {} into {} in {} ms", zip.getFileName(), home, (System.nanoTime() - t0) / 1_000_000);
        return unpacked(home);
    }

    @Override
    public String toString() {
        return zip.toString();
    }

    private static Unpacked unpacked(Path home) {
        return new Unpacked(home, home.resolve(RUNNER_JAR));
    }

    private static void extract(Path zip, Path target) throws IOException {
        try (ZipFile file = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = file.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                Path out = target.resolve(entry.getName()).normalize();
                if (!out.startsWith(target)) {
                    throw new PlatformException(zip + " holds an entry outside its folder (" + entry.getName()
                            + "); it is not the schema registry distribution, pass " + ZIP_NAME
                            + " with --registry-dist / " + ENVIRONMENT);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    try (InputStream in = file.getInputStream(entry)) {
                        Files.copy(in, out);
                    }
                }
            }
        }
    }

    private static void moveIntoPlace(Path tmp, Path home) throws IOException {
        try {
            Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.isRegularFile(home.resolve(MARKER))) {
                return; // another process unpacked the same distribution meanwhile
            }
            if (!Files.isDirectory(home)) {
                throw e;
            }
            // A folder without the marker was not made by this code; move it aside rather than trust it.
            Path stale = Files.createTempDirectory(home.getParent(), ARTIFACT + UNPACKING);
            Files.move(home, stale.resolve("stale"), StandardCopyOption.ATOMIC_MOVE);
            deleteTree(stale);
            Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static void removeAbandoned(Path cache) throws IOException {
        FileTime before = FileTime.from(Instant.now().minus(ABANDONED));
        try (Stream<Path> entries = Files.list(cache)) {
            entries.filter(p -> p.getFileName().toString().startsWith(ARTIFACT + UNPACKING))
                    .filter(p -> {
                        try {
                            return Files.getLastModifiedTime(p).compareTo(before) < 0;
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .forEach(RegistryDistribution::deleteTree);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", root, e.getMessage());
        }
    }

    private static Optional<Path> configured(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static Path mavenRepository(Function<String, String> properties) {
        return configured(properties.apply("maven.repo.local"))
                .orElseGet(() -> Path.of(properties.apply("user.home"), ".m2", "repository"));
    }

    /** The jar this class was loaded from; empty when run from a classes folder. */
    private static Optional<Path> codeJar() {
        CodeSource source = RegistryDistribution.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return Optional.empty();
        }
        try {
            Path location = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(location) ? Optional.of(location) : Optional.empty();
        } catch (URISyntaxException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return Optional.empty();
        }
    }
}
