package io.dams.rules.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.embedded.PortGuard;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleCatalogTest {

    @Test
    void shouldFailWithTheClusterAndTopicNamedWhenNothingAnswers() throws Exception {
        String nowhere = "127.0.0.1:" + PortGuard.freePort("127.0.0.1");
        RuleCatalog catalog = new RuleCatalog(Map.of("bootstrap.servers", nowhere), "http://" + nowhere,
                Clock.systemUTC(), Duration.ofSeconds(2));
        assertThatThrownBy(catalog::read).isInstanceOf(RuleCatalogException.class)
                .hasMessageContaining(nowhere).hasMessageContaining("dams.rules");
    }

    @Test
    void shouldNotTouchTheClusterForAnEmptyDiff() {
        RuleCatalog catalog = new RuleCatalog("127.0.0.1:1", "http://127.0.0.1:1");
        RuleCatalog.Applied applied = catalog.apply(new RuleDiff(List.of(), List.of(), List.of(), List.of("a")), "x");
        assertThat(applied.published()).isEmpty();
        assertThat(applied.deleted()).isEmpty();
    }

    @Test
    void shouldRequireBootstrapServers() {
        assertThatThrownBy(() -> new RuleCatalog(Map.of(), "http://r", Clock.systemUTC(), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrap.servers");
    }
}
