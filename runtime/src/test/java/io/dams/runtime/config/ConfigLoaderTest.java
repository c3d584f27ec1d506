package io.dams.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    record Link(String address, Duration sendInterval, ByteSize buffer) {
    }

    record Settings(String region, int port, Link link, Map<String, String> tags) implements Validated {
        static Settings defaults() {
            return new Settings("", 9091, new Link("localhost:7443", Duration.ofSeconds(10), ByteSize.ofMebibytes(256)),
                    Map.of());
        }

        @Override
        public void validate() {
            ConfigException.require(!region.isBlank(), "region", "required");
            ConfigException.require(link.sendInterval().compareTo(Duration.ofSeconds(1)) >= 0, "link.sendInterval",
                    "must be at least 1s");
        }
    }

    private final ConfigLoader<Settings> loader = new ConfigLoader<>(Settings.class, Settings.defaults(), "DAMS_TEST");

    @TempDir
    Path tmp;

    @Test
    void shouldOverlayTheFileOnTheDefaultsAndTheEnvironmentOnTheFile() throws IOException {
        Path file = write("region: eu-west-1\nlink:\n  sendInterval: 5s\ntags:\n  rack: r1\n");

        Settings s = loader.load(file, Map.of("DAMS_TEST_LINK_ADDRESS", "bridge.eu:7443", "DAMS_TEST_PORT", "9999"));

        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.port()).isEqualTo(9999);
        assertThat(s.link()).isEqualTo(new Link("bridge.eu:7443", Duration.ofSeconds(5), ByteSize.ofMebibytes(256)));
        assertThat(s.tags()).containsEntry("rack", "r1");
    }

    @Test
    void shouldNameTheKeyOfAValueThatDoesNotParse() throws IOException {
        Path file = write("region: r\nlink:\n  sendInterval: soon\n");

        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("link.sendInterval")
                .hasMessageContaining("'soon' is not a duration");
    }

    @Test
    void shouldRefuseAnUnknownKeyRatherThanIgnoreIt() throws IOException {
        Path file = write("region: r\nlink:\n  adress: x\n");

        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("adress");
    }

    @Test
    void shouldValidateAfterLoadingWithTheKeyInTheMessage() {
        assertThatThrownBy(() -> loader.load(null, Map.of())).hasMessage("region: required");
        assertThatThrownBy(() -> loader.load(null, Map.of("DAMS_TEST_REGION", "r", "DAMS_TEST_LINK_SEND_INTERVAL", "500ms")))
                .hasMessage("link.sendInterval: must be at least 1s");
    }

    @Test
    void shouldSayWhenTheFileIsMissing() {
        assertThatThrownBy(() -> loader.load(tmp.resolve("nope.yaml"), Map.of()))
                .hasMessage("configuration file " + tmp.resolve("nope.yaml") + " does not exist");
    }

    @Test
    void shouldRenderYamlThatLoadsBackToTheSameConfiguration() throws IOException {
        Settings s = loader.load(null, Map.of("DAMS_TEST_REGION", "r"));

        Settings again = loader.load(write(loader.toYaml(s)), Map.of());

        assertThat(again).isEqualTo(s);
        assertThat(loader.toYaml(s)).contains("sendInterval: \"10s\"").contains("buffer: \"256MiB\"");
    }

    @Test
    void shouldParseSizesAndDurationsAsOperatorsWriteThem() {
        assertThat(ByteSize.parse("256MiB").bytes()).isEqualTo(256L << 20);
        assertThat(ByteSize.parse("1GB").bytes()).isEqualTo(1_000_000_000L);
        assertThat(ByteSize.parse("4096").bytes()).isEqualTo(4096);
        assertThatThrownBy(() -> ByteSize.parse("lots")).hasMessageContaining("is not a size");
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("PT2M")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(ConfigLoader.upperSnake("sendInterval")).isEqualTo("SEND_INTERVAL");
    }

    private Path write(String yaml) throws IOException {
        return Files.writeString(tmp.resolve("c" + System.nanoTime() + ".yaml"), yaml);
    }
}
