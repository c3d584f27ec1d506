package io.dams.launcher;

import io.dams.runtime.config.Durations;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams certs}: a small CA for evaluation, issuing short-lived agent and bridge certificates with SPIFFE IDs. */
@Command(name = "certs",
        mixinStandardHelpOptions = true,
        description = {"A small certificate authority for evaluation and tests.",
            "In production, any SPIFFE issuer (SPIRE, for example) can supply the same files: cert.pem, key.pem, ca.pem."},
        subcommands = {CertsCommand.Init.class, CertsCommand.Issue.class})
final class CertsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }

    /** {@code dams certs init}. */
    @Command(name = "init", mixinStandardHelpOptions = true, description = "Creates a CA in DIR (ca.pem, ca-key.pem).")
    static final class Init implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the CA lives.")
        Path dir;

        @Option(names = "--trust-domain", paramLabel = "DOMAIN", defaultValue = "dams.local",
                description = "SPIFFE trust domain (default: ${DEFAULT-VALUE}).")
        String trustDomain;

        @Option(names = "--validity", paramLabel = "DURATION", defaultValue = "3650d",
                converter = DurationConverter.class, description = "How long the CA is valid (default: ${DEFAULT-VALUE}).")
        Duration validity;

        @Override
        public Integer call() {
            CertificateAuthority ca = CertificateAuthority.init(dir, trustDomain, validity, Clock.systemUTC());
            PrintWriter out = spec.commandLine().getOut();
            out.println("CA for trust domain " + ca.trustDomain() + " created in " + dir + " (valid until "
                    + ca.certificate().getNotAfter().toInstant() + ")");
            out.println("Keep " + dir.resolve("ca-key.pem") + " private; distribute " + ca.caCertFile() + ".");
            out.flush();
            return 0;
        }
    }

    /** {@code dams certs issue}. */
    @Command(name = "issue", mixinStandardHelpOptions = true,
            description = {"Issues a certificate: for an agent (--asset and --region), or for a bridge (--bridge).",
                "Writes cert.pem, key.pem and ca.pem into --out (default: DIR/issued/<name>). Reissuing over the same"
                    + " files rotates them: agents and bridges pick up the new files without a restart."})
    static final class Issue implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The CA's folder.")
        Path dir;

        @Option(names = "--asset", paramLabel = "ID", description = "The agent's asset id, e.g. node-42.")
        String asset;

        @Option(names = "--region", required = true, paramLabel = "REGION", description = "e.g. eu-west-1.")
        String region;

        @Option(names = "--bridge", paramLabel = "NAME", arity = "0..1", fallbackValue = "bridge",
                description = "Issue a bridge (server) certificate with this name (default name: bridge).")
        String bridge;

        @Option(names = "--dns", paramLabel = "NAME", split = ",",
                description = "Host names the bridge is reached by (bridge certificates; default: localhost).")
        List<String> dns;

        @Option(names = "--ip", paramLabel = "ADDRESS", split = ",",
                description = "IP addresses the bridge is reached by (bridge certificates; default: 127.0.0.1).")
        List<String> ips;

        @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h", converter = DurationConverter.class,
                description = "Validity (default: ${DEFAULT-VALUE}).")
        Duration ttl;

        @Option(names = "--out", paramLabel = "DIR", description = "Where to write cert.pem, key.pem, ca.pem.")
        Path out;

        @Override
        public Integer call() {
            if ((asset == null) == (bridge == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give exactly one of --asset ID or --bridge [NAME]");
            }
            CertificateAuthority ca = CertificateAuthority.load(dir, Clock.systemUTC());
            CertificateAuthority.Request request = asset != null
                    ? CertificateAuthority.Request.agent(SpiffeId.asset(ca.trustDomain(), region, asset), ttl)
                    : CertificateAuthority.Request.bridge(SpiffeId.bridge(ca.trustDomain(), region, bridge), ttl,
                            dns == null ? List.of("localhost") : dns, ips == null ? List.of("127.0.0.1") : ips);
            Path target = out != null ? out : dir.resolve("issued").resolve(request.id().name());
            TlsFiles files = ca.issue(request, target);
            PrintWriter o = spec.commandLine().getOut();
            X509Certificate cert;
            try {
                cert = CertificateAuthority.readCertificates(files.cert()).get(0);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            o.println("issued " + request.id() + " valid until " + cert.getNotAfter().toInstant() + " into " + target);
            o.flush();
            return 0;
        }
    }
}
