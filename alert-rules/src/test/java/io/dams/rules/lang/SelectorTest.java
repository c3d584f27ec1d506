package io.dams.rules.lang;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SelectorTest {

    private static boolean matches(String selector, Map<String, String> labels) {
        return Condition.parse(selector + " > 0").selectors().get(0).matches("disk_used_percent", labels);
    }

    @Test
    void shouldMatchTheMetricNameExactly() {
        Selector s = Selector.of("disk_used_percent");
        assertThat(s.matches("disk_used_percent", Map.of())).isTrue();
        assertThat(s.matches("disk_used_percent_total", Map.of())).isFalse();
        assertThat(s.matches("Disk_used_percent", Map.of())).isFalse();
    }

    @Test
    void shouldMatchEqualityAndInequality() {
        assertThat(matches("disk_used_percent{mount=\"/\"}", Map.of("mount", "/"))).isTrue();
        assertThat(matches("disk_used_percent{mount=\"/\"}", Map.of("mount", "/var"))).isFalse();
        assertThat(matches("disk_used_percent{mount!=\"/\"}", Map.of("mount", "/var"))).isTrue();
        assertThat(matches("disk_used_percent{mount=\"/\", region=\"eu\"}", Map.of("mount", "/"))).isFalse();
    }

    @Test
    void shouldAnchorRegexesAtBothEndsAsPrometheus() {
        assertThat(matches("disk_used_percent{device=~\"sd\"}", Map.of("device", "sda"))).isFalse();
        assertThat(matches("disk_used_percent{device=~\"d\"}", Map.of("device", "sda"))).isFalse();
        assertThat(matches("disk_used_percent{device=~\"sd.\"}", Map.of("device", "sda"))).isTrue();
        assertThat(matches("disk_used_percent{device=~\"sda|nvme0n1\"}", Map.of("device", "nvme0n1"))).isTrue();
        assertThat(matches("disk_used_percent{device!~\"sd\"}", Map.of("device", "sda"))).isTrue();
        assertThat(matches("disk_used_percent{device!~\"sd.\"}", Map.of("device", "sda"))).isFalse();
    }

    @Test
    void shouldTreatAMissingLabelAsEmpty() {
        assertThat(matches("disk_used_percent{mount=\"\"}", Map.of())).isTrue();
        assertThat(matches("disk_used_percent{mount!=\"\"}", Map.of())).isFalse();
        assertThat(matches("disk_used_percent{mount=~\".*\"}", Map.of())).isTrue();
        assertThat(matches("disk_used_percent{mount=~\".+\"}", Map.of())).isFalse();
        assertThat(matches("disk_used_percent{mount!~\"/snap.*\"}", Map.of())).isTrue();
    }

    @Test
    void shouldCompareMatchersByValueNotByCompiledPattern() {
        assertThat(new LabelMatcher("a", MatchOp.REGEX, "x.*")).isEqualTo(new LabelMatcher("a", MatchOp.REGEX, "x.*"))
                .hasSameHashCodeAs(new LabelMatcher("a", MatchOp.REGEX, "x.*"));
    }
}
