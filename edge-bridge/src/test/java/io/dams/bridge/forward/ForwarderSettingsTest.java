package io.dams.bridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwarderSettingsTest {

    @TempDir
    Path dir;

    @Test
    void shouldForwardPromptlyAndSpoolAfterTwoSecondsByDefault() {
        ForwarderSettings defaults = ForwarderSettings.defaults();

        defaults.validate();
        assertThat(defaults.linger()).isEqualTo(Duration.ofMillis(5));
        assertThat(defaults.spoolAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(defaults.spoolCapacity()).isEqualTo(ByteSize.parse("1GiB"));
        assertThat(defaults.compression()).isEqualTo("zstd");
        assertThat(defaults.maxInFlight()).isEqualTo(ByteSize.ofMebibytes(32));
    }

    @Test
    void shouldReadCamelCaseKeysFromYamlAndTheEnvironment() throws Exception {
        Path file = Files.writeString(dir.resolve("forward.yaml"), String.join("\n",
                "bootstrapServers: kafka-1:9092,kafka-2:9092",
                "registryUrl: http://registry:8081",
                "linger: 10ms",
                "spoolDir: /data/spool",
                "spoolCapacity: 512MiB",
                "maxInFlight: 8MiB",
                ""));

        ForwarderSettings settings = new ConfigLoader<>(ForwarderSettings.class, ForwarderSettings.defaults(),
                "DAMS_FWD").load(file, Map.of("DAMS_FWD_SPOOL_AFTER", "3s"));

        assertThat(settings).isEqualTo(new ForwarderSettings("kafka-1:9092,kafka-2:9092", "http://registry:8081",
                Duration.ofMillis(10), Duration.ofSeconds(3), Path.of("/data/spool"), ByteSize.ofMebibytes(512),
                "zstd", ByteSize.ofMebibytes(8)));
    }

    @Test
    void shouldNameTheKeyOfEveryInvalidSetting() {
        ForwarderSettings d = ForwarderSettings.defaults();

        assertInvalid(new ForwarderSettings(" ", d.registryUrl(), d.linger(), d.spoolAfter(), d.spoolDir(),
                d.spoolCapacity(), d.compression()), "bootstrapServers");
        assertInvalid(new ForwarderSettings("kafka", d.registryUrl(), d.linger(), d.spoolAfter(), d.spoolDir(),
                d.spoolCapacity(), d.compression()), "bootstrapServers: 'kafka' is not host:port");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), "registry:8081", d.linger(), d.spoolAfter(),
                d.spoolDir(), d.spoolCapacity(), d.compression()), "registryUrl");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), Duration.ofSeconds(2),
                Duration.ofSeconds(5), d.spoolDir(), d.spoolCapacity(), d.compression()), "linger: must be");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), Duration.ofMillis(1),
                d.spoolDir(), d.spoolCapacity(), d.compression()), "spoolAfter");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), d.spoolAfter(), null,
                d.spoolCapacity(), d.compression()), "spoolDir");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), d.spoolAfter(),
                d.spoolDir(), ByteSize.parse("64KiB"), d.compression()), "spoolCapacity");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), d.spoolAfter(),
                d.spoolDir(), d.spoolCapacity(), "brotli"), "compression");
        assertInvalid(new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), d.linger(), d.spoolAfter(),
                d.spoolDir(), d.spoolCapacity(), d.compression(), ByteSize.parse("64KiB")), "maxInFlight");
    }

    @Test
    void shouldNameKeysUnderTheSectionTheyAreIn() {
        ForwarderSettings d = ForwarderSettings.defaults();
        ForwarderSettings slow = new ForwarderSettings(d.bootstrapServers(), d.registryUrl(), Duration.ofSeconds(1),
                Duration.ofSeconds(5), d.spoolDir(), d.spoolCapacity(), d.compression());

        assertThatThrownBy(() -> slow.validate("kafka")).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("kafka.linger: ");
    }

    private static void assertInvalid(ForwarderSettings settings, String message) {
        assertThatThrownBy(settings::validate).isInstanceOf(ConfigException.class).hasMessageStartingWith(message);
    }
}
