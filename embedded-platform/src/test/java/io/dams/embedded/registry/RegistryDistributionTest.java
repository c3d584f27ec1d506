package io.dams.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.embedded.PlatformException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryDistributionTest {

    @TempDir
    Path tmp;

    @Test
    void shouldNameEveryPlaceLookedInWhenTheDistributionIsMissing() {
        Path property = tmp.resolve("prop/dist.zip");
        Path environment = tmp.resolve("env/dist.zip");
        Path jar = tmp.resolve("launcher/target/lib/dams-embedded-platform.jar");
        Path home = tmp.resolve("home");

        assertThatThrownBy(() -> RegistryDistribution.locate(Optional.empty(),
                Map.of("dams.registry.dist", property.toString(), "user.home", home.toString())::get,
                Map.of("DAMS_REGISTRY_DIST", environment.toString())::get, Optional.of(jar)))
                .isInstanceOf(PlatformException.class)
                .hasMessageStartingWith("schema registry distribution apicurio-registry-app-2.6.13.Final-all.zip not"
                        + " found (looked in: ")
                .hasMessageContaining(property + " (-Ddams.registry.dist)")
                .hasMessageContaining(environment + " ($DAMS_REGISTRY_DIST)")
                .hasMessageContaining(tmp.resolve("launcher/target/lib/registry/" + RegistryDistribution.ZIP_NAME)
                        .toString())
                .hasMessageContaining(tmp.resolve("launcher/target/registry/" + RegistryDistribution.ZIP_NAME)
                        .toString())
                .hasMessageContaining(home.resolve(".m2/repository/io/apicurio/apicurio-registry-app/2.6.13.Final/"
                        + RegistryDistribution.ZIP_NAME).toString())
                .hasMessageEndingWith("; run ./mvnw -pl launcher -am package to fetch it, or pass its path with"
                        + " --registry-dist / DAMS_REGISTRY_DIST")
                .hasMessageNotContaining("\n");
    }

    @Test
    void shouldLookOnlyAtAnExplicitPathAndFindTheOthersInOrder() throws IOException {
        Path fromProperty = Files.createDirectories(tmp.resolve("p")).resolve("dist.zip");
        Path inRepository = tmp.resolve("repo/io/apicurio/apicurio-registry-app/2.6.13.Final/"
                + RegistryDistribution.ZIP_NAME);
        Files.createDirectories(inRepository.getParent());
        Files.writeString(fromProperty, "zip");
        Files.writeString(inRepository, "zip");
        Map<String, String> properties = Map.of("dams.registry.dist", fromProperty.toString(),
                "maven.repo.local", tmp.resolve("repo").toString());
        Path missing = tmp.resolve("typo.zip");

        assertThatThrownBy(() -> RegistryDistribution.locate(Optional.of(missing), properties::get, k -> null,
                Optional.empty()))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("(looked in: " + missing + " (--registry-dist)); ");
        assertThat(RegistryDistribution.locate(Optional.empty(), properties::get, k -> null, Optional.empty()).zip())
                .isEqualTo(fromProperty);
        assertThat(RegistryDistribution.locate(Optional.empty(),
                Map.of("dams.registry.dist", missing.toString(), "maven.repo.local", tmp.resolve("repo").toString())::get,
                k -> null, Optional.empty()).zip())
                .isEqualTo(inRepository);
    }

    @Test
    void shouldUnpackOnceAndReuseTheCompleteFolder() throws IOException {
        Path zip = zip(tmp.resolve("dist.zip"), Map.of(
                RegistryDistribution.RUNNER_JAR, "runner",
                "lib/io.example.lib-1.0.jar", "lib"));
        Path cache = tmp.resolve("cache");
        RegistryDistribution dist = RegistryDistribution.locate(Optional.of(zip), k -> null, k -> null,
                Optional.empty());

        RegistryDistribution.Unpacked first = dist.unpack(cache);

        Path home = cache.resolve("apicurio-registry-app-2.6.13.Final");
        assertThat(first.home()).isEqualTo(home);
        assertThat(first.runnerJar()).hasContent("runner");
        assertThat(home.resolve("lib/io.example.lib-1.0.jar")).hasContent("lib");
        assertThat(home.resolve(RegistryDistribution.MARKER)).isRegularFile();

        Path sentinel = Files.writeString(home.resolve("sentinel"), "left by the first run");
        assertThat(dist.unpack(cache)).isEqualTo(first);
        assertThat(sentinel).exists();
        assertThat(list(cache)).containsExactly(home);

        // Without the marker the folder is an interrupted unpack: replaced, not trusted.
        Files.delete(home.resolve(RegistryDistribution.MARKER));
        assertThat(dist.unpack(cache)).isEqualTo(first);
        assertThat(sentinel).doesNotExist();
        assertThat(home.resolve(RegistryDistribution.MARKER)).isRegularFile();
        assertThat(list(cache)).containsExactly(home);
    }

    @Test
    void shouldRefuseAZipThatIsNotTheDistribution() throws IOException {
        Path cache = tmp.resolve("cache");
        Path escaping = zip(tmp.resolve("evil.zip"), Map.of("../outside", "x"));
        Path other = zip(tmp.resolve("other.zip"), Map.of("readme.txt", "x"));
        Path notAZip = Files.writeString(tmp.resolve("broken.zip"), "not a zip");

        assertThatThrownBy(() -> locate(escaping).unpack(cache))
                .isInstanceOf(PlatformException.class).hasMessageContaining("outside its folder");
        assertThatThrownBy(() -> locate(other).unpack(cache))
                .isInstanceOf(PlatformException.class).hasMessageContaining("holds no " + RegistryDistribution.RUNNER_JAR);
        assertThatThrownBy(() -> locate(notAZip).unpack(cache))
                .isInstanceOf(PlatformException.class).hasMessageContaining("is not a readable zip");
        assertThat(tmp.resolve("outside")).doesNotExist();
        assertThat(list(cache)).isEmpty();
    }

    private static RegistryDistribution locate(Path zip) {
        return RegistryDistribution.locate(Optional.of(zip), k -> null, k -> null, Optional.empty());
    }

    private static Path zip(Path file, Map<String, String> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }

    private static java.util.List<Path> list(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.toList();
        }
    }
}
