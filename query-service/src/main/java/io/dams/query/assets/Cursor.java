package io.dams.query.assets;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A listing's page cursor: opaque to clients, and stable because it names the last item returned (not an offset),
 * so that items added or removed between two pages neither repeat nor skip others. URL-safe base64 of
 * {@code kind + ":" + id}: {@code a} for assets, {@code l} for alerts, so that one listing's cursor is refused by
 * another.
 */
public final class Cursor {

    private static final String ASSET = "a";

    private Cursor() {
    }

    public static String after(String assetId) {
        return after(ASSET, assetId);
    }

    /** The asset id a cursor names; {@link IllegalArgumentException} when it is not a cursor this service wrote. */
    public static String assetId(String cursor) {
        return id(ASSET, cursor);
    }

    /** The cursor of the page after the item {@code id} of a listing of {@code kind}. */
    public static String after(String kind, String id) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    /** The id a cursor of {@code kind} names; {@link IllegalArgumentException} when it is not such a cursor. */
    public static String id(String kind, String cursor) {
        String prefix = kind + ":";
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
        if (!text.startsWith(prefix) || text.length() == prefix.length()) {
            throw new IllegalArgumentException("not a cursor of this API; pass next_cursor from the previous page");
        }
        return text.substring(prefix.length());
    }
}
