package io.dams.launcher;

import io.dams.rules.catalog.RuleCatalog;
import io.dams.rules.catalog.RuleDiff;
import io.dams.rules.check.RuleChecker;
import io.dams.rules.check.RuleFile;
import io.dams.rules.check.RuleFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dams rules validate|diff|apply}: the alert rules file against the checker and the rules topic. */
@Command(name = "rules",
        mixinStandardHelpOptions = true,
        description = "Checks an alert rules file (policies.yaml) and publishes it to the compacted dams.rules topic.",
        subcommands = {RulesCommand.Validate.class, RulesCommand.Diff.class, RulesCommand.Apply.class})
final class RulesCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every rules sub-command shares. */
    static final class RuleFileOptions {
        @Parameters(index = "0", paramLabel = "FILE", description = "The rules file, e.g. alert-rules/policies.yaml.")
        Path file;

        @Option(names = "--channel", paramLabel = "NAME", split = ",",
                description = "Notification channels rules may name, besides email, pagerduty, slack and webhook"
                        + " (the named webhooks of the central configuration).")
        List<String> channels = List.of();

        /** The file checked; prints its problems and returns null when it has any. */
        RuleFile load(PrintWriter err) {
            Set<String> known = new LinkedHashSet<>(RuleChecker.STANDARD_CHANNELS);
            known.addAll(channels);
            RuleFile loaded = RuleFiles.load(file, known);
            if (!loaded.ok()) {
                err.println(loaded.report());
                err.flush();
                return null;
            }
            return loaded;
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Checks the file: syntax, unknown aggregates and channels, durations, regexes, metric names;"
                    + " every problem with its line and column. Exit code 1 when there is any.")
    static final class Validate implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        RuleFileOptions options;

        @Override
        public Integer call() {
            RuleFile loaded = options.load(spec.commandLine().getErr());
            if (loaded == null) {
                return 1;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(options.file + ": " + loaded.rules().size() + " rules, no problems");
            out.flush();
            return 0;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Shows what apply would change in dams.rules: + added, ~ changed (with each field), - removed."
                    + " Exit code 0 when nothing would change, 2 when something would, 1 on a problem.")
    static final class Diff implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        RuleFileOptions options;

        @Mixin
        Clusters clusters;

        @Override
        public Integer call() {
            RuleFile loaded = options.load(spec.commandLine().getErr());
            if (loaded == null) {
                return 1;
            }
            Clusters.Target target = clusters.resolve();
            RuleDiff diff = RuleDiff.between(new RuleCatalog(target.bootstrapServers(), target.registryUrl()).read(),
                    loaded.rules());
            PrintWriter out = spec.commandLine().getOut();
            out.println(diff);
            out.flush();
            return diff.isEmpty() ? 0 : 2;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Publishes the file to dams.rules: added and changed rules, and a tombstone for each rule"
                    + " no longer in the file. Applying the same file twice changes nothing.")
    static final class Apply implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        RuleFileOptions options;

        @Mixin
        Clusters clusters;

        @Option(names = "--yes", description = "Apply even when it deletes every rule (an empty rules file).")
        boolean yes;

        @Option(names = "--user", paramLabel = "NAME", description = "Recorded as the rules' updated_by (default: ${DEFAULT-VALUE}).")
        String user = System.getProperty("user.name", "dams");

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            RuleFile loaded = options.load(err);
            if (loaded == null) {
                return 1;
            }
            Clusters.Target target = clusters.resolve();
            RuleCatalog catalog = new RuleCatalog(target.bootstrapServers(), target.registryUrl());
            RuleDiff diff = RuleDiff.between(catalog.read(), loaded.rules());
            if (loaded.rules().isEmpty() && !diff.removed().isEmpty() && !yes) {
                err.println(options.file + " has no rules: applying it would delete all " + diff.removed().size()
                        + " rules in dams.rules. Add --yes if that is what you want.");
                err.flush();
                return 1;
            }
            out.println(diff);
            if (!diff.isEmpty()) {
                RuleCatalog.Applied applied = catalog.apply(diff, user);
                out.println("applied: " + applied.published().size() + " published, " + applied.deleted().size()
                        + " deleted");
            }
            out.flush();
            return 0;
        }
    }
}
