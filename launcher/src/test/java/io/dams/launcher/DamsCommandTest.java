package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DamsCommandTest {

    @TempDir
    Path tmp;

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        // As main builds it: only the sub-command named first, when one is.
        CommandLine cli = DamsCommand.commandLine(args.length > 0 ? args[0] : "");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void shouldAnswerHelpForEverySubcommand() {
        List<List<String>> paths = new ArrayList<>();
        collect(DamsCommand.commandLine(), new ArrayList<>(), paths);
        assertThat(paths).extracting(p -> String.join(" ", p))
                .contains("", "demo", "topics", "topics list", "topics tail", "topics fix", "job", "query", "rules",
                        "rules validate", "rules diff", "rules apply");

        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run run = run(args.toArray(String[]::new));
            assertThat(run.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(run.out()).as(String.join(" ", args)).startsWith("Usage: dams");
        }
    }

    @Test
    void shouldBuildOnlyTheSubcommandThatIsRunAndEveryOneOtherwise() {
        assertThat(DamsCommand.commandLine("agent").getSubcommands()).containsOnlyKeys("agent");
        assertThat(DamsCommand.commandLine("rules").getSubcommands()).containsOnlyKeys("rules");
        List<String> all = List.of("demo", "topics", "certs", "bridge", "agent", "simulate", "job", "query", "rules",
                "notifier", "help");
        assertThat(DamsCommand.commandLine("help").getSubcommands().keySet()).containsExactlyElementsOf(all);
        assertThat(DamsCommand.commandLine("--help").getSubcommands().keySet()).containsExactlyElementsOf(all);
        assertThat(DamsCommand.commandLine("no-such-command").getSubcommands().keySet()).containsExactlyElementsOf(all);

        Run usage = run("--help");
        assertThat(usage.out()).contains("Commands:").contains("agent").contains("notifier");
        Run unknown = run("no-such-command");
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.err()).contains("no-such-command");
    }

    @Test
    void shouldSayInOneLineThatNoDemoRunsOnTheDataDirectory() {
        Run run = run("topics", "list", "--data-dir", tmp.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("dams: no DAMS is running on data directory " + tmp
                + "; start one with `./dams demo --data-dir " + tmp + "` or name a cluster with --bootstrap HOST:PORT");
    }

    @Test
    void shouldValidateTheShippedRulesAndNameEachProblemOfABadFileWithItsLineAndColumn() throws Exception {
        Run shipped = run("rules", "validate", Path.of("..", "alert-rules", "policies.yaml").toString());
        assertThat(shipped.exitCode()).as(shipped.err()).isZero();
        assertThat(shipped.out()).contains("no problems");

        Path bad = java.nio.file.Files.writeString(tmp.resolve("bad.yaml"), String.join("\n",
                "rules:",
                "  - name: x",
                "    condition: median(cpu_percent) > 90",
                "    severity: warning",
                "    channels: [sms]",
                ""));
        Run run = run("rules", "validate", bad.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(bad + ":3:16: error: unknown aggregate 'median'")
                .contains(bad + ":5:16: error: unknown channel 'sms'");
        assertThat(run("rules", "validate", bad.toString(), "--channel", "sms").err())
                .doesNotContain("unknown channel");
    }

    @Test
    void shouldRejectAnUnknownOptionWithUsage() {
        Run run = run("demo", "--no-such-option");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("Unknown option: '--no-such-option'");
    }

    private static void collect(CommandLine cli, List<String> path, List<List<String>> out) {
        if (!cli.getCommandName().equals("help")) {
            out.add(List.copyOf(path));
        }
        cli.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, out);
            }
        });
    }
}
