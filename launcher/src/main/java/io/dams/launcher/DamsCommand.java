package io.dams.launcher;

import io.dams.embedded.PlatformException;
import io.dams.runtime.config.ConfigException;
import java.io.UncheckedIOException;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code dams} command: one entry point for running and operating every DAMS component. */
@Command(name = "dams",
        mixinStandardHelpOptions = true,
        versionProvider = DamsCommand.Version.class,
        description = "DAMS, the Distributed Asset Monitoring System.")
public final class DamsCommand implements Runnable {

    /** The sub-commands, in the order the usage lists them. */
    static final List<Class<?>> SUBCOMMANDS = List.of(DemoCommand.class, TopicsCommand.class, CertsCommand.class,
            BridgeCommand.class, AgentCommand.class, SimulateCommand.class, JobCommand.class, QueryCommand.class,
            RulesCommand.class, NotifierCommand.class, CommandLine.HelpCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // Initialise logging before any start-up thread logs; otherwise SLF4J warns about substitute loggers.
        LoggerFactory.getILoggerFactory();
        System.exit(commandLine(args.length > 0 ? args[0] : "").execute(args));
    }

    /** The configured command line with every sub-command; tests execute it in-process. */
    static CommandLine commandLine() {
        return commandLine("");
    }

    /**
     * The configured command line for arguments that start with {@code first}: when that names a sub-command (other
     * than {@code help}), only that one is built. Picocli builds the model of every sub-command it is given, with their
     * options and nested commands, before it parses anything: a cost paid on every start, and the agent's start-up is
     * meant to be quick (bench/RESULTS.md, agent ready time).
     */
    static CommandLine commandLine(String first) {
        CommandLine cli = new CommandLine(new DamsCommand());
        boolean one = SUBCOMMANDS.stream().anyMatch(c -> !c.equals(CommandLine.HelpCommand.class) && name(c).equals(first));
        for (Class<?> subcommand : SUBCOMMANDS) {
            if (!one || name(subcommand).equals(first)) {
                cli.addSubcommand(subcommand);
            }
        }
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

    private static String name(Class<?> subcommand) {
        return subcommand.getAnnotation(Command.class).name();
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
