package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

@EnabledOnOs({OS.LINUX, OS.MAC})
class PluginRunnerTest {

    private static final long TICK = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<PluginRunner> runners = new ArrayList<>();

    @AfterEach
    void closeRunners() {
        runners.forEach(PluginRunner::close);
    }

    @Test
    void shouldCollectTheSamplesOfEveryPluginWithTheirOwnLabels() throws IOException {
        plugin("queues.sh", """
                echo '# TYPE queue_depth gauge'
                echo 'queue_depth{queue="orders"} 4'
                echo 'queue_age_seconds 12.5 1690000000000'
                """);
        plugin("battery", "echo 'battery_percent{cell=\"1\"} 87'\n");

        List<CollectedSample> samples = collect(runner(Duration.ofSeconds(5)));

        assertThat(samples).containsExactly(
                new CollectedSample("battery_percent", Map.of("cell", "1"), TICK, 87),
                new CollectedSample("queue_depth", Map.of("queue", "orders"), TICK, 4),
                new CollectedSample("queue_age_seconds", Map.of(), 1690000000000L, 12.5));
        assertThat(runs("queues.sh", "ok")).isEqualTo(1);
        assertThat(runs("queues.sh", "failed")).isZero();
        assertThat(runs("queues.sh", "timeout")).isZero();
        assertThat(counter("dams.agent.plugin.samples", "queues.sh")).isEqualTo(2);
        assertThat(counter("dams.agent.plugin.samples", "battery")).isEqualTo(1);
        assertThat(counter("dams.agent.plugin.parse.errors", "queues.sh")).isZero();
    }

    @Test
    void shouldKillAPluginThatOutlivesItsTimeoutTogetherWithItsChildren() throws IOException {
        plugin("slow.sh", """
                echo 'slow_started 1'
                sleep 120 &
                echo $! > child.pid
                echo $$ > parent.pid
                wait
                """);
        plugin("quick.sh", "echo 'quick 1'\n");

        List<CollectedSample> samples = collect(runner(Duration.ofSeconds(2)));

        assertThat(samples).extracting(CollectedSample::name).containsExactly("quick");
        assertThat(runs("slow.sh", "timeout")).isEqualTo(1);
        assertThat(runs("slow.sh", "ok")).isZero();
        long parent = Long.parseLong(Files.readString(dir.resolve("parent.pid")).strip());
        long child = Long.parseLong(Files.readString(dir.resolve("child.pid")).strip());
        await().atMost(Duration.ofSeconds(10)).until(() -> !isRunning(parent) && !isRunning(child));
    }

    @Test
    @Timeout(60)
    void shouldNotWaitForAProcessAPluginLeftBehindHoldingItsOutput() throws IOException {
        plugin("forks.sh", """
                echo 'forked 1'
                sleep 120 &
                echo $! > orphan.pid
                """);

        try {
            List<CollectedSample> samples = collect(runner(Duration.ofSeconds(90)));

            assertThat(samples).extracting(CollectedSample::name).containsExactly("forked");
            assertThat(runs("forks.sh", "ok")).isEqualTo(1);
        } finally {
            long orphan = Long.parseLong(Files.readString(dir.resolve("orphan.pid")).strip());
            ProcessHandle.of(orphan).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void shouldKeepTheGoodLinesOfAPluginThatPrintsABadOne() throws IOException {
        plugin("mixed.sh", """
                echo 'good_before 1'
                echo 'bad{a"b"} 2'
                echo 'good_after{x="y"} 3'
                """);

        List<CollectedSample> samples = collect(runner(Duration.ofSeconds(5)));

        assertThat(samples).extracting(CollectedSample::name).containsExactly("good_before", "good_after");
        assertThat(runs("mixed.sh", "ok")).isEqualTo(1);
        assertThat(counter("dams.agent.plugin.parse.errors", "mixed.sh")).isEqualTo(1);
        assertThat(counter("dams.agent.plugin.samples", "mixed.sh")).isEqualTo(2);
    }

    @Test
    void shouldCountAFailedRunAndDropItsOutput() throws IOException {
        plugin("broken.sh", """
                echo 'partial 1'
                echo 'sensor bus not found' >&2
                exit 3
                """);
        plugin("unstartable.sh", "");
        Files.writeString(dir.resolve("unstartable.sh"), "#!/no/such/interpreter\n");

        PluginRunner runner = runner(Duration.ofSeconds(5));
        List<CollectedSample> first = collect(runner);
        List<CollectedSample> second = collect(runner);

        assertThat(first).isEmpty();
        assertThat(second).isEmpty();
        assertThat(runs("broken.sh", "failed")).isEqualTo(2);
        assertThat(runs("broken.sh", "ok")).isZero();
        assertThat(runs("unstartable.sh", "failed")).isEqualTo(2);
    }

    @Test
    void shouldFailARunThatWritesMoreThanTheOutputLimit() throws IOException {
        plugin("chatty.sh", "yes 'chatty 1' | head -c " + (PluginRunner.MAX_OUTPUT_BYTES * 2) + "\n");

        List<CollectedSample> samples = collect(runner(Duration.ofSeconds(10)));

        assertThat(samples).isEmpty();
        assertThat(runs("chatty.sh", "failed")).isEqualTo(1);
    }

    @Test
    void shouldIgnoreFilesThatAreNotExecutableHiddenOrFolders() throws IOException {
        Files.writeString(dir.resolve("README.txt"), "#!/bin/sh\necho 'readme 1'\n");
        plugin(".hidden.sh", "echo 'hidden 1'\n");
        Path folder = Files.createDirectory(dir.resolve("lib.d"));
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));

        List<CollectedSample> samples = collect(runner(Duration.ofSeconds(5)));

        assertThat(samples).isEmpty();
        assertThat(registry.find("dams.agent.plugin.runs").counters()).isEmpty();
    }

    @Test
    void shouldRunNothingWhileThePluginFolderIsMissing() {
        PluginRunner runner = new PluginRunner(dir.resolve("absent"), Duration.ofSeconds(5), registry);
        runners.add(runner);

        assertThat(collect(runner)).isEmpty();
        assertThat(collect(runner)).isEmpty();
    }

    private PluginRunner runner(Duration timeout) {
        PluginRunner runner = new PluginRunner(dir, timeout, registry);
        runners.add(runner);
        return runner;
    }

    private static List<CollectedSample> collect(PluginRunner runner) {
        List<CollectedSample> samples = new ArrayList<>();
        runner.collect(TICK, samples::add);
        return samples;
    }

    private void plugin(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private double runs(String plugin, String result) {
        return registry.get("dams.agent.plugin.runs").tag("plugin", plugin).tag("result", result).counter().count();
    }

    private double counter(String name, String plugin) {
        return registry.get(name).tag("plugin", plugin).counter().count();
    }

    /** Alive and not a zombie waiting for a parent that does not reap it. */
    private static boolean isRunning(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
        String text;
        try {
            text = Files.readString(stat);
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
        char state = text.charAt(text.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }
}
