package io.dams.launcher;

import io.dams.embedded.PlatformException;
import io.dams.runtime.config.ConfigException;
import java.io.UncheckedIOException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dams} command: one entry point for running and operating every DAMS component. */
@Command(name = "dams",
        mixinStandardHelpOptions = true,
        versionProvider = DamsCommand.Version.class,
        description = "DAMS, the Distributed Asset Monitoring System.",
        subcommands = {DemoCommand.class, TopicsCommand.class, CertsCommand.class, BridgeCommand.class, AgentCommand.class,
            SimulateCommand.class, JobCommand.class, QueryCommand.class, RulesCommand.class, NotifierCommand.class,
            CommandLine.HelpCommand.class})
public final class DamsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Initialise logging before any start-up thread logs; otherwise SLF4J warns about substitute loggers.
        LoggerFactory.getILoggerFactory();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests execute it in-process. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new DamsCommand());
        // An operator's error is one line, not a stack trace (DAMS_DEBUG=1 shows the trace too).
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof PlatformException || e instanceof ConfigException || e instanceof IllegalStateException
                    || e instanceof UncheckedIOException || e instanceof IllegalArgumentException) {
                commandLine.getErr().println("dams: " + e.getMessage());
                if (System.getenv("DAMS_DEBUG") != null) {
                    e.printStackTrace(commandLine.getErr());
                }
                commandLine.getErr().flush();
                return 1;
            }
            throw e;
        });
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The version from the launcher jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = DamsCommand.class.getPackage().getImplementationVersion();
            return new String[] {"dams " + (version == null ? "(development build)" : version)};
        }
    }
}
