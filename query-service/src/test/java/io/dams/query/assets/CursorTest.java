package io.dams.query.assets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CursorTest {

    @Test
    void shouldRoundTripAnyAssetIdInUrlSafeText() {
        for (String id : new String[] {"a", "host-01.eu", "ü/&?=+ 🚀", "x".repeat(300)}) {
            String cursor = Cursor.after(id);
            assertThat(cursor).matches("[A-Za-z0-9_-]+");
            assertThat(Cursor.assetId(cursor)).isEqualTo(id);
        }
    }

    @Test
    void shouldRefuseTextThatIsNotACursorOfThisApi() {
        String plainBase64 = Base64.getUrlEncoder().encodeToString("asset-1".getBytes(StandardCharsets.UTF_8));
        String badUtf8 = Base64.getUrlEncoder().encodeToString(new byte[] {'a', ':', (byte) 0xC3});
        for (String bad : new String[] {"!!!", plainBase64, badUtf8, Cursor.after(""), "YT"}) {
            assertThatThrownBy(() -> Cursor.assetId(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("next_cursor");
        }
    }
}
