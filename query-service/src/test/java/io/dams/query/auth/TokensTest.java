package io.dams.query.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokensTest {

    @Test
    void shouldGenerateA256BitSecretAndTheEntryWithItsSha256() throws Exception {
        Tokens.IssuedToken token = Tokens.generate("ops", Role.OPERATOR);

        assertThat(token.secret()).startsWith("dams_").hasSize(5 + 43).matches("dams_[A-Za-z0-9_-]{43}");
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(token.secret().getBytes(StandardCharsets.UTF_8)));
        assertThat(token.entry()).isEqualTo(new TokenEntry("ops", Role.OPERATOR, expected));
        assertThat(token.toString()).doesNotContain(token.secret());
        token.entry().validate("tokens[0]");
    }

    @Test
    void shouldGenerateADifferentSecretEachTime() {
        assertThat(Tokens.generate().secret()).isNotEqualTo(Tokens.generate().secret());
        assertThat(Tokens.generate().entry().role()).isEqualTo(Role.ADMIN);
    }

    @Test
    void shouldAuthenticateOnlyTheExactSecretOfAConfiguredToken() {
        Tokens.IssuedToken viewer = Tokens.generate("dash", Role.VIEWER);
        Tokens.IssuedToken admin = Tokens.generate("root", Role.ADMIN);
        TokenAuthenticator authenticator = new TokenAuthenticator(List.of(viewer.entry(),
                new TokenEntry(admin.entry().name(), admin.entry().role(), admin.entry().sha256().toUpperCase())));

        assertThat(authenticator.authenticate(viewer.secret())).contains(viewer.entry());
        assertThat(authenticator.authenticate(admin.secret()).map(TokenEntry::name)).contains("root");
        assertThat(authenticator.authenticate(viewer.secret() + "x")).isEmpty();
        assertThat(authenticator.authenticate(viewer.secret().substring(0, 47))).isEmpty();
        assertThat(authenticator.authenticate(viewer.entry().sha256())).as("the hash is not the secret").isEmpty();
        assertThat(authenticator.authenticate("")).isEmpty();
    }

    @Test
    void shouldOrderRoles() {
        assertThat(Role.ADMIN.includes(Role.VIEWER)).isTrue();
        assertThat(Role.OPERATOR.includes(Role.OPERATOR)).isTrue();
        assertThat(Role.VIEWER.includes(Role.OPERATOR)).isFalse();
        assertThat(Role.parse(" Operator ")).isEqualTo(Role.OPERATOR);
        assertThatThrownBy(() -> Role.parse("root")).hasMessageContaining("viewer, operator, admin");
    }
}
