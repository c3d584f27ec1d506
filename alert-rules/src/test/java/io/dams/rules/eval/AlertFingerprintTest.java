package io.dams.rules.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AlertFingerprintTest {

    // Expected digests computed outside Java from the documented encoding (Python hashlib + struct.pack('>I', n)):
    // they pin the contract, so that alert ids survive restarts, upgrades and other JVMs.

    @Test
    void shouldHashRuleNameAndGroupLabelsToAFixedDigest() {
        AlertFingerprint f = AlertFingerprint.of("high-cpu-warning", Map.of("asset_id", "node-17"));
        assertThat(f.hex()).isEqualTo("12a9124c03fa9f516084407e69756192db79bfe80e1ed17a229be8d2a74ec85d");
        assertThat(f.alertId()).isEqualTo("12a9124c03fa");
    }

    @Test
    void shouldHashLabelsInNameOrderWhateverTheMapOrder() {
        Map<String, String> insertion = new LinkedHashMap<>();
        insertion.put("site", "lyon");
        insertion.put("region", "eu-west-1");
        AlertFingerprint f = AlertFingerprint.of("region-cpu-saturation", insertion);
        assertThat(f.hex()).isEqualTo("01b11018b9c92ad12307acd95dacb2b9b86e831b0445f736770a2657f0419537");
        assertThat(AlertFingerprint.of("region-cpu-saturation",
                new GroupLabels(new TreeMap<>(Map.of("region", "eu-west-1", "site", "lyon"))))).isEqualTo(f);
    }

    @Test
    void shouldEncodeNonAsciiAsUtf8() {
        assertThat(AlertFingerprint.of("r\u00e9gion", Map.of("zone", "\u00fc")).hex())
                .isEqualTo("eda20461eff0b398b65b08c1860414ab1024cc8565febcb3fec2e21f4985f964");
    }

    @Test
    void shouldTellApartGroupsThatConcatenateAlike() {
        // Length prefixes keep "ab"+"c" and "a"+"bc" apart.
        assertThat(AlertFingerprint.of("r", Map.of("ab", "c"))).isNotEqualTo(AlertFingerprint.of("r", Map.of("a", "bc")));
        assertThat(AlertFingerprint.of("r", Map.of("asset_id", "a1")))
                .isNotEqualTo(AlertFingerprint.of("r", Map.of("asset_id", "a2")));
        assertThat(AlertFingerprint.of("r1", Map.of())).isNotEqualTo(AlertFingerprint.of("r2", Map.of()));
    }
}
