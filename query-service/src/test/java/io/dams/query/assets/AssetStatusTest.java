package io.dams.query.assets;

import static io.dams.query.FakeFleetStore.asset;
import static io.dams.query.FakeFleetStore.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.streams.iq.AssetView;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssetStatusTest {

    private final AssetView base = asset("a", "eu", Map.of());

    @Test
    void shouldBeDownWhenLivenessIsDownWhateverFires() {
        assertThat(AssetStatus.of(withHealth(base, "DOWN", Map.of("critical", 2)))).isEqualTo(AssetStatus.DOWN);
    }

    @Test
    void shouldBeCriticalBeforeWarning() {
        assertThat(AssetStatus.of(withHealth(base, "UP", Map.of("critical", 1, "warning", 3))))
                .isEqualTo(AssetStatus.CRITICAL);
        assertThat(AssetStatus.of(withHealth(base, "UP", Map.of("critical", 0, "warning", 3))))
                .isEqualTo(AssetStatus.WARNING);
    }

    @Test
    void shouldBeOkWithoutFiringAlertsOrWithNoAlertMapAtAll() {
        assertThat(AssetStatus.of(withHealth(base, "UP", Map.of("info", 4)))).isEqualTo(AssetStatus.OK);
        assertThat(AssetStatus.of(withHealth(base, "UP", null))).isEqualTo(AssetStatus.OK);
    }

    @Test
    void shouldParseOnlyTheApiNames() {
        assertThat(AssetStatus.parse("critical")).isEqualTo(AssetStatus.CRITICAL);
        assertThat(AssetStatus.parse("CRITICAL")).isNull();
        assertThat(AssetStatus.parse("broken")).isNull();
    }
}
