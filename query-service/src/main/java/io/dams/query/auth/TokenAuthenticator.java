package io.dams.query.auth;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Finds the configured token a presented secret belongs to. The secret is hashed and compared with every entry's
 * hash by {@link MessageDigest#isEqual} (constant time), without stopping at a match, so that the time taken tells an
 * attacker nothing about how close a guess was or which entry matched.
 */
public final class TokenAuthenticator {

    private final byte[][] hashes;
    private final TokenEntry[] entries;

    public TokenAuthenticator(List<TokenEntry> tokens) {
        this.entries = tokens.toArray(TokenEntry[]::new);
        this.hashes = new byte[entries.length][];
        for (int i = 0; i < entries.length; i++) {
            hashes[i] = HexFormat.of().parseHex(entries[i].sha256().toLowerCase(java.util.Locale.ROOT));
        }
    }

    public Optional<TokenEntry> authenticate(String secret) {
        byte[] presented = Tokens.sha256(secret);
        TokenEntry match = null;
        for (int i = 0; i < hashes.length; i++) {
            if (MessageDigest.isEqual(presented, hashes[i]) && match == null) {
                match = entries[i];
            }
        }
        return Optional.ofNullable(match);
    }

    public List<TokenEntry> tokens() {
        return List.of(entries);
    }
}
