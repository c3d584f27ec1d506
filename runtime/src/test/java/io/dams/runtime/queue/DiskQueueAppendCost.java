package io.dams.runtime.queue;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.queue.DiskQueue.SyncPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measures what an append costs under each {@link SyncPolicy}, with one writer and with several (group commit), on the
 * disk holding the temporary folder. Not a test: run it by hand, e.g.
 * {@code java -cp <runtime test classpath> io.dams.runtime.queue.DiskQueueAppendCost [recordBytes] [appends]}.
 */
final class DiskQueueAppendCost {

    private DiskQueueAppendCost() {
    }

    public static void main(String[] args) throws Exception {
        int recordBytes = args.length > 0 ? Integer.parseInt(args[0]) : 2048;
        int appends = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        System.out.printf("%d-byte records, %d appends per run, temp folder %s%n", recordBytes, appends,
                System.getProperty("java.io.tmpdir"));
        System.out.printf("%-22s %8s %12s %12s %14s%n", "policy", "writers", "us/append", "appends/s", "file/queued");
        for (SyncPolicy policy : List.of(SyncPolicy.EVERY_APPEND, SyncPolicy.interval(Duration.ofMillis(100)))) {
            for (int writers : new int[] {1, 8}) {
                run(policy, writers, recordBytes, appends / 4, false); // warm-up
                run(policy, writers, recordBytes, appends, true);
            }
        }
    }

    private static void run(SyncPolicy policy, int writers, int recordBytes, int appends, boolean print)
            throws Exception {
        Path dir = Files.createTempDirectory("dams-queue-cost");
        Path file = dir.resolve("cost.mv.db");
        byte[] record = new byte[recordBytes];
        long elapsed;
        long queued;
        try (DiskQueue queue = DiskQueue.open(file, ByteSize.ofMebibytes(1024), policy)) {
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < appends / writers; i++) {
                        queue.append(record);
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
            elapsed = System.nanoTime() - t0;
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.SECONDS);
            queued = queue.bytes();
        }
        double perAppendUs = elapsed / 1e3 / appends;
        if (print) {
            System.out.printf("%-22s %8d %12.1f %12.0f %14.2f%n", policy.interval().isZero() ? "EVERY_APPEND"
                            : "INTERVAL(" + policy.interval().toMillis() + "ms)", writers, perAppendUs,
                    appends / (elapsed / 1e9), (double) Files.size(file) / queued);
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }
}
