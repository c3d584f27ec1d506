package io.dams.runtime.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    @TempDir
    Path tmp;

    @Test
    void shouldIssueAnAgentCertificateCarryingItsSpiffeIdSignedByTheCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), "dams.test", Duration.ofDays(365),
                Clock.systemUTC());
        SpiffeId id = SpiffeId.asset("dams.test", "eu-west-1", "node-42");

        TlsFiles files = ca.issue(CertificateAuthority.Request.agent(id, Duration.ofHours(24)), tmp.resolve("node-42"));

        X509Certificate cert = CertificateAuthority.readCertificates(files.cert()).get(0);
        cert.verify(ca.certificate().getPublicKey());
        assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
        assertThat(cert.getSubjectAlternativeNames()).contains(List.of(6, id.toString()));
        assertThat(Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()))
                .isBetween(Duration.ofHours(24), Duration.ofHours(24).plusMinutes(2));
        assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.key()))).isEqualTo("rw-------");
        assertThat(Files.readString(files.ca())).isEqualTo(Files.readString(ca.caCertFile()));
    }

    @Test
    void shouldIssueABridgeCertificateWithItsNames() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), "dams.test", Duration.ofDays(365),
                Clock.systemUTC());
        SpiffeId id = SpiffeId.bridge("dams.test", "eu-west-1", "hub-1");

        TlsFiles files = ca.issue(CertificateAuthority.Request.bridge(id, Duration.ofDays(30), List.of("localhost"),
                List.of("127.0.0.1")), tmp.resolve("hub"));

        X509Certificate cert = CertificateAuthority.readCertificates(files.cert()).get(0);
        assertThat(cert.getSubjectAlternativeNames())
                .contains(List.of(6, id.toString()), List.of(2, "localhost"), List.of(7, "127.0.0.1"));
        assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
    }

    @Test
    void shouldReloadTheCaAndRefuseToOverwriteIt() {
        Path dir = tmp.resolve("ca");
        CertificateAuthority created = CertificateAuthority.init(dir, "dams.test", Duration.ofDays(1), Clock.systemUTC());

        CertificateAuthority loaded = CertificateAuthority.load(dir, Clock.systemUTC());

        assertThat(loaded.certificate()).isEqualTo(created.certificate());
        assertThat(loaded.trustDomain()).isEqualTo("dams.test");
        assertThatThrownBy(() -> CertificateAuthority.init(dir, "dams.test", Duration.ofDays(1), Clock.systemUTC()))
                .hasMessageContaining("a CA exists there already");
        assertThatThrownBy(() -> loaded.issue(CertificateAuthority.Request.agent(
                SpiffeId.asset("other.domain", "r", "a"), Duration.ofHours(1)), tmp.resolve("x")))
                .hasMessageContaining("issues for trust domain dams.test");
    }

    @Test
    void shouldParseAndPrintSpiffeIds() {
        assertThat(SpiffeId.parse("spiffe://dams.test/region/eu-west-1/asset/node-42"))
                .contains(SpiffeId.asset("dams.test", "eu-west-1", "node-42"));
        assertThat(SpiffeId.parse("spiffe://dams.test/region/eu/bridge/hub-1")).get()
                .extracting(SpiffeId::kind).isEqualTo(SpiffeId.Kind.BRIDGE);
        assertThat(SpiffeId.parse("spiffe://dams.test/workload/x")).isEmpty();
        assertThat(SpiffeId.parse("https://dams.test/region/eu/asset/x")).isEmpty();
        assertThatThrownBy(() -> SpiffeId.asset("dams.test", "eu west", "x")).hasMessageContaining("region 'eu west'");
    }
}
