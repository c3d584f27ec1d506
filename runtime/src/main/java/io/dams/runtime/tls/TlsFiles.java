package io.dams.runtime.tls;

import java.nio.file.Files;
import java.nio.file.Path;

/** The three PEM files a party of a mutual-TLS link holds: its certificate, its private key, and the CA it trusts. */
public record TlsFiles(Path cert, Path key, Path ca) {

    public static final String CERT = "cert.pem";
    public static final String KEY = "key.pem";
    public static final String CA = "ca.pem";

    /** The files as {@code dams certs issue} writes them into one folder. */
    public static TlsFiles in(Path dir) {
        return new TlsFiles(dir.resolve(CERT), dir.resolve(KEY), dir.resolve(CA));
    }

    /** Fails with one line naming the first file that is missing. */
    public TlsFiles requireReadable(String what) {
        for (Path p : new Path[] {cert, key, ca}) {
            if (!Files.isReadable(p)) {
                throw new IllegalStateException(what + ": " + p + " does not exist or cannot be read; issue a"
                        + " certificate with `dams certs issue`");
            }
        }
        return this;
    }
}
