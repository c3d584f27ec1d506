package io.dams.notifier.testing;

import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A STARTTLS front for GreenMail, which does not implement STARTTLS (RFC 3207) itself: it greets and answers EHLO
 * offering STARTTLS, refuses mail before the upgrade, upgrades the connection with a certificate of a test CA for
 * 127.0.0.1, and from then on relays the client's session to GreenMail's plain SMTP port. GreenMail still receives
 * and stores the message; the front proves the client upgraded before sending anything.
 */
public final class StartTlsFront implements AutoCloseable {

    private final ServerSocket server;
    private final SSLContext tls;
    private final int greenMailPort;
    private final Path caFile;
    private final List<String> negotiated = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private StartTlsFront(ServerSocket server, SSLContext tls, Path caFile, int greenMailPort) {
        this.server = server;
        this.tls = tls;
        this.caFile = caFile;
        this.greenMailPort = greenMailPort;
        this.acceptor = new Thread(this::accept, "starttls-front");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Issues a certificate for 127.0.0.1 from a new test CA under {@code dir} and listens on a free port. */
    public static StartTlsFront start(Path dir, int greenMailPort) throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), "dams.test", Duration.ofDays(1),
                Clock.systemUTC());
        TlsFiles files = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge("dams.test", "test", "smtp"),
                Duration.ofHours(1), List.of("localhost"), List.of("127.0.0.1")), dir.resolve("smtp"));
        PrivateKey key;
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(files.key()))) {
            key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
        }
        Certificate[] chain = CertificateAuthority.readCertificates(files.cert()).toArray(Certificate[]::new);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("smtp", key, new char[0], chain);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, new char[0]);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        return new StartTlsFront(server, context, files.ca(), greenMailPort);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The CA that issued the front's certificate (PEM). */
    public Path caFile() {
        return caFile;
    }

    /** The TLS protocol of each upgraded session, e.g. TLSv1.3. */
    public List<String> negotiated() {
        return List.copyOf(negotiated);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread t = new Thread(() -> serve(client), "starttls-front-session");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = client.getOutputStream();
            write(out, "220 127.0.0.1 ESMTP front\r\n");
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                switch (command) {
                    case "EHLO" -> write(out, "250-127.0.0.1\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
                    case "HELO" -> write(out, "250 127.0.0.1\r\n");
                    case "QUIT" -> {
                        write(out, "221 bye\r\n");
                        return;
                    }
                    case "STAR" -> {
                        write(out, "220 ready to start TLS\r\n");
                        upgradeAndRelay(client);
                        return;
                    }
                    default -> write(out, "530 5.7.0 must issue a STARTTLS command first\r\n");
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private void upgradeAndRelay(Socket client) throws IOException {
        SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(client, "127.0.0.1", client.getPort(), false);
        secure.setUseClientMode(false);
        secure.startHandshake();
        negotiated.add(secure.getSession().getProtocol());
        try (secure; Socket greenMail = new Socket(InetAddress.getLoopbackAddress(), greenMailPort)) {
            InputStream fromGreenMail = greenMail.getInputStream();
            // GreenMail's greeting belongs to a session the client never saw; the client's EHLO comes next.
            BufferedReader greeting = new BufferedReader(new InputStreamReader(fromGreenMail, StandardCharsets.US_ASCII), 1);
            String line;
            do {
                line = greeting.readLine();
            } while (line != null && line.startsWith("220-"));
            Thread up = new Thread(() -> pipe(secure, greenMail), "starttls-front-up");
            up.setDaemon(true);
            up.start();
            pipe(greenMail, secure);
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // one side closed
        } finally {
            try {
                to.shutdownOutput();
            } catch (IOException | UnsupportedOperationException e) {
                // already closed
            }
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
