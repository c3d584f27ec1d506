package io.dams.runtime.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for evaluation and tests: it issues short-lived agent and bridge certificates carrying
 * SPIFFE IDs. In production any SPIFFE issuer (SPIRE, for example) supplies the same files.
 *
 * <p>Keys are ECDSA P-256; private keys are written as PKCS#8 PEM, readable only by their owner.
 */
public final class CertificateAuthority {

    static final String CA_CERT = "ca.pem";
    static final String CA_KEY = "ca-key.pem";
    static final String TRUST_DOMAIN_FILE = "trust-domain";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final String trustDomain;
    private final X509Certificate certificate;
    private final PrivateKey key;
    private final Clock clock;

    private CertificateAuthority(Path dir, String trustDomain, X509Certificate certificate, PrivateKey key, Clock clock) {
        this.dir = dir;
        this.trustDomain = trustDomain;
        this.certificate = certificate;
        this.key = key;
        this.clock = clock;
    }

    /** Creates a new CA in {@code dir}; refuses to overwrite one that is there. */
    public static CertificateAuthority init(Path dir, String trustDomain, Duration validity, Clock clock) {
        SpiffeId.asset(trustDomain, "r", "a"); // validates the trust domain's syntax
        try {
            Files.createDirectories(dir);
            if (Files.exists(dir.resolve(CA_CERT)) || Files.exists(dir.resolve(CA_KEY))) {
                throw new FileAlreadyExistsException(dir.resolve(CA_CERT).toString(), null,
                        "a CA exists there already; use it, or choose another --dir");
            }
            KeyPair pair = newKeyPair();
            Instant now = clock.instant();
            X500Name name = new X500Name("CN=DAMS CA " + trustDomain + ",O=DAMS");
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), name, pair.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(builder, pair.getPrivate());
            writePrivate(dir.resolve(CA_KEY), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            write(dir.resolve(CA_CERT), pem(cert));
            write(dir.resolve(TRUST_DOMAIN_FILE), trustDomain + "\n");
            return new CertificateAuthority(dir, trustDomain, cert, pair.getPrivate(), clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot create the CA: " + e.getMessage(), e);
        }
    }

    /** Opens the CA that {@link #init} made in {@code dir}. */
    public static CertificateAuthority load(Path dir, Clock clock) {
        try {
            if (!Files.exists(dir.resolve(CA_KEY))) {
                throw new IllegalStateException("no CA in " + dir + "; create one with `dams certs init --dir " + dir + "`");
            }
            String trustDomain = Files.readString(dir.resolve(TRUST_DOMAIN_FILE)).strip();
            return new CertificateAuthority(dir, trustDomain, readCertificates(dir.resolve(CA_CERT)).get(0),
                    readPrivateKey(dir.resolve(CA_KEY)), clock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CA in " + dir + ": " + e.getMessage(), e);
        }
    }

    public String trustDomain() {
        return trustDomain;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Path caCertFile() {
        return dir.resolve(CA_CERT);
    }

    /** What to issue: an agent's client certificate or a bridge's server certificate. */
    public record Request(SpiffeId id, Duration ttl, List<String> dnsNames, List<String> ipAddresses) {

        public static Request agent(SpiffeId id, Duration ttl) {
            return new Request(id, ttl, List.of(), List.of());
        }

        public static Request bridge(SpiffeId id, Duration ttl, List<String> dnsNames, List<String> ipAddresses) {
            return new Request(id, ttl, List.copyOf(dnsNames), List.copyOf(ipAddresses));
        }
    }

    /**
     * Issues a certificate and writes {@code cert.pem}, {@code key.pem} and {@code ca.pem} into {@code outDir}. Files
     * are replaced atomically, so a running agent or bridge that watches them picks up the new pair whole.
     */
    public TlsFiles issue(Request request, Path outDir) {
        if (!request.id().trustDomain().equals(trustDomain)) {
            throw new IllegalArgumentException("this CA issues for trust domain " + trustDomain + ", not "
                    + request.id().trustDomain());
        }
        try {
            KeyPair pair = newKeyPair();
            Instant now = clock.instant();
            // A little backdating tolerates clock skew between the issuer and the peers.
            Date notBefore = Date.from(now.minus(Duration.ofMinutes(1)));
            Date notAfter = Date.from(now.plus(request.ttl()));
            X500Name subject = new X500Name("CN=" + request.id().name() + ",OU=" + request.id().region() + ",O=DAMS");
            // The issuer name comes from the CA certificate's encoding, not from a re-parsed string (DESIGN §9).
            X500Name issuer = new X509CertificateHolder(certificate.getEncoded()).getSubject();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, serial(), notBefore, notAfter,
                    subject, pair.getPublic());
            List<GeneralName> names = new ArrayList<>();
            names.add(new GeneralName(GeneralName.uniformResourceIdentifier, request.id().toString()));
            request.dnsNames().forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
            for (String ip : request.ipAddresses()) {
                names.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            }
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            boolean server = request.id().kind() == SpiffeId.Kind.BRIDGE;
            builder.addExtension(Extension.extendedKeyUsage, false, server
                    ? new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth})
                    : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            builder.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
            X509Certificate cert = sign(builder, key);

            Files.createDirectories(outDir);
            TlsFiles files = TlsFiles.in(outDir);
            writePrivate(files.key(), pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
            write(files.cert(), pem(cert));
            write(files.ca(), pem(certificate));
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the certificate into " + outDir + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + request.id() + ": " + e.getMessage(), e);
        }
    }

    /** Reads every certificate of a PEM file. */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof X509CertificateHolder holder) {
                    certs.add(new JcaX509CertificateConverter().getCertificate(holder));
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " holds a certificate that cannot be read: " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new IOException(file + " holds no certificate");
        }
        return certs;
    }

    static PrivateKey readPrivateKey(Path file) throws IOException {
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.UTF_8))) {
            Object o = parser.readObject();
            if (o instanceof PrivateKeyInfo info) {
                return new JcaPEMKeyConverter().getPrivateKey(info);
            }
            throw new IOException(file + " holds no PKCS#8 private key");
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM);
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
