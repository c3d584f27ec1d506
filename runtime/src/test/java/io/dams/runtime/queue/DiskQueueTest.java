package io.dams.runtime.queue;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.queue.DiskQueue.Entry;
import io.dams.runtime.queue.DiskQueue.SyncPolicy;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskQueueTest {

    private static final ByteSize ROOMY = ByteSize.ofMebibytes(16);

    @TempDir
    Path dir;

    @Test
    void shouldReturnRecordsOldestFirst() {
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            for (int i = 0; i < 10; i++) {
                queue.append(bytes("r" + i));
            }

            assertThat(texts(queue.peek(3))).containsExactly("r0", "r1", "r2");
            assertThat(texts(queue.peek(100))).hasSize(10).startsWith("r0").endsWith("r9");
            assertThat(ids(queue.peek(100))).isSorted().doesNotHaveDuplicates();
            assertThat(queue.size()).isEqualTo(10);
            assertThat(queue.bytes()).isEqualTo(20);
        }
    }

    @Test
    void shouldKeepRecordsNextIdAndCountersAcrossAReopen() {
        long lastId;
        try (DiskQueue queue = DiskQueue.open(file(), new ByteSize(10))) {
            queue.append(bytes("aaaa"));
            queue.append(bytes("bbbb"));
            lastId = queue.append(bytes("cccc")); // drops "aaaa"
            queue.removeThrough(lastId - 1); // removes "bbbb"
        }

        try (DiskQueue queue = DiskQueue.open(file(), new ByteSize(10))) {
            assertThat(queue.peek(10)).singleElement().satisfies(e -> {
                assertThat(e.id()).isEqualTo(lastId);
                assertThat(text(e)).isEqualTo("cccc");
            });
            assertThat(queue.size()).isEqualTo(1);
            assertThat(queue.bytes()).isEqualTo(4);
            assertThat(queue.droppedRecords()).isEqualTo(1);
            assertThat(queue.droppedBytes()).isEqualTo(4);
            assertThat(queue.append(bytes("dd"))).isEqualTo(lastId + 1);
        }
    }

    @Test
    void shouldNotReuseIdsAfterItWasEmptiedAndReopened() {
        long lastId;
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            queue.append(bytes("a"));
            lastId = queue.append(bytes("b"));
            queue.removeThrough(lastId);
            assertThat(queue.size()).isZero();
        }
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            assertThat(queue.append(bytes("c"))).isEqualTo(lastId + 1);
        }
    }

    @Test
    void shouldDropTheOldestRecordsWhenFullAndCountThem() {
        try (DiskQueue queue = DiskQueue.open(file(), new ByteSize(100))) {
            for (int i = 0; i < 25; i++) {
                queue.append(bytes(String.format("%010d", i))); // 10 bytes each
            }

            assertThat(texts(queue.peek(100))).containsExactly(
                    "0000000015", "0000000016", "0000000017", "0000000018", "0000000019",
                    "0000000020", "0000000021", "0000000022", "0000000023", "0000000024");
            assertThat(queue.bytes()).isEqualTo(100);
            assertThat(queue.droppedRecords()).isEqualTo(15);
            assertThat(queue.droppedBytes()).isEqualTo(150);

            // A larger record makes room for itself by dropping as many of the oldest as it takes.
            queue.append(bytes("x".repeat(35)));
            assertThat(queue.peek(1).get(0).payload()).asString(UTF_8).isEqualTo("0000000019");
            assertThat(queue.droppedRecords()).isEqualTo(19);
            assertThat(queue.bytes()).isEqualTo(95);
        }
    }

    @Test
    void shouldRefuseARecordLargerThanTheWholeQueue() {
        try (DiskQueue queue = DiskQueue.open(file(), new ByteSize(8))) {
            queue.append(bytes("keep"));

            assertThatThrownBy(() -> queue.append(new byte[9]))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("9 bytes does not fit");
            assertThat(texts(queue.peek(10))).containsExactly("keep");
            assertThat(queue.droppedRecords()).isZero();
        }
    }

    @Test
    void shouldRemoveEverythingUpToAndIncludingTheGivenIdOnly() {
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            List<Long> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(queue.append(bytes("r" + i)));
            }

            queue.removeThrough(ids.get(1));
            assertThat(texts(queue.peek(10))).containsExactly("r2", "r3", "r4");
            assertThat(queue.bytes()).isEqualTo(6);

            queue.removeThrough(ids.get(0)); // already gone: nothing happens
            assertThat(queue.size()).isEqualTo(3);

            queue.removeThrough(Long.MAX_VALUE);
            assertThat(queue.peek(10)).isEmpty();
            assertThat(queue.size()).isZero();
            assertThat(queue.bytes()).isZero();
            assertThat(queue.droppedRecords()).as("removed is not dropped").isZero();
        }
    }

    @Test
    void shouldTellWhenTheOldestRecordWasAppended() {
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            assertThat(queue.oldestAppendedAtMs()).isEmpty();
            long before = System.currentTimeMillis();
            long first = queue.append(bytes("a"));
            long after = System.currentTimeMillis();
            queue.append(bytes("b"));

            assertThat(queue.oldestAppendedAtMs()).isPresent();
            assertThat(queue.oldestAppendedAtMs().getAsLong()).isBetween(before, after);
            assertThat(queue.peek(1).get(0).appendedAtMs()).isEqualTo(queue.oldestAppendedAtMs().getAsLong());
            queue.removeThrough(first);
            assertThat(queue.oldestAppendedAtMs().getAsLong()).isGreaterThanOrEqualTo(before);
        }
    }

    @Test
    void shouldKeepEveryConcurrentAppendOnceAndEachWritersOrder() throws Exception {
        int writers = 8;
        int perWriter = 200;
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                results.add(pool.submit(() -> {
                    start.await();
                    List<Long> ids = new ArrayList<>();
                    for (int i = 0; i < perWriter; i++) {
                        ids.add(queue.append(bytes(writer + ":" + i)));
                    }
                    return ids;
                }));
            }
            start.countDown();
            List<Long> allIds = new ArrayList<>();
            for (Future<List<Long>> result : results) {
                List<Long> ids = result.get(60, TimeUnit.SECONDS);
                assertThat(ids).as("ids one writer got").isSorted();
                allIds.addAll(ids);
            }
            pool.shutdown();

            List<Entry> entries = queue.peek(writers * perWriter + 1);
            assertThat(entries).hasSize(writers * perWriter);
            assertThat(ids(entries)).containsExactlyInAnyOrderElementsOf(allIds).isSorted();
            // The queue's order agrees with each writer's order.
            Map<String, Integer> lastSeen = new HashMap<>();
            for (Entry e : entries) {
                String[] parts = text(e).split(":");
                int seq = Integer.parseInt(parts[1]);
                assertThat(seq).isEqualTo(lastSeen.getOrDefault(parts[0], -1) + 1);
                lastSeen.put(parts[0], seq);
            }
            assertThat(queue.size()).isEqualTo(writers * perWriter);
        }
    }

    @Test
    void shouldKeepEveryAppendThatReturnedWhenTheProcessIsKilled() throws Exception {
        Path file = file();
        Process child = new ProcessBuilder(javaExecutable(), "-cp", System.getProperty("java.class.path"),
                DiskQueueAppender.class.getName(), file.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), UTF_8))) {
            String line;
            while ((line = out.readLine()) != null && acknowledged.size() < 300) {
                acknowledged.add(Long.parseLong(line));
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).as("ids the child reported as appended").hasSize(300);

        try (DiskQueue queue = DiskQueue.open(file, ROOMY)) {
            List<Long> stored = ids(queue.peek(1_000_000));
            assertThat(stored).containsAll(acknowledged);
            assertThat(queue.size()).isEqualTo(stored.size());
            // The next id follows whatever reached the disk, acknowledged or not.
            assertThat(queue.append(bytes("after"))).isGreaterThan(stored.get(stored.size() - 1));
        }
    }

    @Test
    void shouldKeepRecordsUnderTheIntervalPolicyAcrossAReopen() {
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY, SyncPolicy.interval(Duration.ofMillis(50)))) {
            for (int i = 0; i < 100; i++) {
                queue.append(bytes("r" + i));
            }
            queue.removeThrough(queue.peek(10).get(9).id());
        }
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY, SyncPolicy.EVERY_APPEND)) {
            assertThat(texts(queue.peek(1000))).hasSize(90).startsWith("r10").endsWith("r99");
        }
    }

    @Test
    void shouldKeepTheFileSmallWhileRecordsComeAndGo() throws Exception {
        byte[] record = new byte[1024];
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            for (int i = 0; i < 2_000; i++) {
                long id = queue.append(record);
                if (i % 50 == 49) {
                    queue.removeThrough(id - 20);
                }
            }
            assertThat(queue.bytes()).isEqualTo(20 * 1024);
            // MVStore's default retention of freed space made this file about 100 MB.
            assertThat(Files.size(file())).isLessThan(8L << 20);
        }
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameFile() {
        try (DiskQueue queue = DiskQueue.open(file(), ROOMY)) {
            queue.append(bytes("a"));

            assertThatThrownBy(() -> DiskQueue.open(file(), ROOMY))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(file().toString());
        }
    }

    @Test
    void shouldRefuseUseAfterClose() {
        DiskQueue queue = DiskQueue.open(file(), ROOMY);
        queue.append(bytes("a"));
        queue.close();
        queue.close();

        assertThatThrownBy(() -> queue.append(bytes("b"))).isInstanceOf(IllegalStateException.class);
        assertThat(queue.oldestAppendedAtMs()).isEmpty();
        assertThat(queue.size()).isEqualTo(1);
    }

    private Path file() {
        return dir.resolve("queue").resolve("test.mv.db");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    private static String text(Entry entry) {
        return new String(entry.payload(), UTF_8);
    }

    private static List<String> texts(List<Entry> entries) {
        return entries.stream().map(DiskQueueTest::text).toList();
    }

    private static List<Long> ids(List<Entry> entries) {
        return entries.stream().map(Entry::id).toList();
    }

    private static String javaExecutable() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString());
    }
}
