package io.dams.query.assets;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The listing's page cursor: opaque to clients, and stable because it names the last asset returned (not an offset),
 * so that assets added or removed between two pages neither repeat nor skip others. URL-safe base64 of
 * {@code "a:" + asset_id}.
 */
public final class Cursor {

    private static final String PREFIX = "a:";

    private Cursor() {
    }

    public static String after(String assetId) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((PREFIX + assetId).getBytes(StandardCharsets.UTF_8));
    }

    /** The asset id a cursor names; {@link IllegalArgumentException} when it is not a cursor this service wrote. */
    public static String assetId(String cursor) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a cursor of this API; pass next_cursor from the previous page");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not a cursor of this API; pass next_cursor from the previous page");
        }
        if (!text.startsWith(PREFIX) || text.length() == PREFIX.length()) {
            throw new IllegalArgumentException("not a cursor of this API; pass next_cursor from the previous page");
        }
        return text.substring(PREFIX.length());
    }
}
