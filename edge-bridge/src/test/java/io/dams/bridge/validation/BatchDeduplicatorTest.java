package io.dams.bridge.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchDeduplicatorTest {

    @TempDir
    Path dir;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Path file;
    private BatchDeduplicator dedupe;

    @BeforeEach
    void open() {
        file = dir.resolve("state/dedupe.mv.db");
        dedupe = BatchDeduplicator.open(file, registry);
    }

    @AfterEach
    void close() {
        dedupe.close();
    }

    @Test
    void shouldForwardTheFirstCopyAndDropAReplayOnceAccepted() {
        assertThat(dedupe.firstTime("agent-1", 1)).isTrue();
        dedupe.accepted("agent-1", 1);

        assertThat(dedupe.firstTime("agent-1", 1)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 2)).isTrue();
    }

    @Test
    void shouldDropACopyArrivingWhileTheFirstIsInFlight() {
        assertThat(dedupe.firstTime("agent-1", 7)).isTrue();

        assertThat(dedupe.firstTime("agent-1", 7)).isFalse();
        dedupe.accepted("agent-1", 7);
        assertThat(dedupe.firstTime("agent-1", 7)).isFalse();
    }

    @Test
    void shouldForwardTheRetryOfAFailedBatch() {
        assertThat(dedupe.firstTime("agent-1", 7)).isTrue();
        dedupe.failed("agent-1", 7);

        assertThat(dedupe.firstTime("agent-1", 7)).isTrue();
        assertThat(dedupe.firstTime("agent-1", 7)).isFalse();
        dedupe.accepted("agent-1", 7);
        assertThat(dedupe.firstTime("agent-1", 7)).isFalse();
    }

    @Test
    void shouldDropEverySeqAtOrBelowTheHighestAccepted() {
        dedupe.firstTime("agent-1", 10);
        dedupe.accepted("agent-1", 10);

        assertThat(dedupe.firstTime("agent-1", 3)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 10)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 11)).isTrue();
    }

    @Test
    void shouldKeepAgentsApart() {
        dedupe.firstTime("agent-1", 5);
        dedupe.accepted("agent-1", 5);

        assertThat(dedupe.firstTime("agent-2", 5)).isTrue();
    }

    @Test
    void shouldForwardTheRetryOfAFailedBatchEvenWhenALaterOneWasAccepted() {
        dedupe.firstTime("agent-1", 5);
        dedupe.firstTime("agent-1", 6);
        dedupe.accepted("agent-1", 6);
        dedupe.failed("agent-1", 5);

        assertThat(dedupe.firstTime("agent-1", 6)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 5)).isTrue();
        dedupe.accepted("agent-1", 5);
        assertThat(dedupe.firstTime("agent-1", 5)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 6)).isFalse();
    }

    @Test
    void shouldRememberTheHighestAcceptedSeqAcrossARestart() {
        dedupe.firstTime("agent-1", 7);
        dedupe.accepted("agent-1", 7);
        dedupe.firstTime("agent-2", 3);
        dedupe.accepted("agent-2", 3);

        restart();

        assertThat(dedupe.firstTime("agent-1", 7)).isFalse();
        assertThat(dedupe.firstTime("agent-1", 8)).isTrue();
        assertThat(dedupe.firstTime("agent-2", 3)).isFalse();
        assertThat(dedupe.firstTime("agent-3", 1)).isTrue();
    }

    @Test
    void shouldNotPersistPastABatchStillInFlightSoThatARestartCannotLoseIt() {
        dedupe.firstTime("agent-1", 4);
        dedupe.accepted("agent-1", 4);
        dedupe.firstTime("agent-1", 5);
        dedupe.firstTime("agent-1", 6);
        dedupe.accepted("agent-1", 6);

        restart();

        assertThat(dedupe.firstTime("agent-1", 4)).isFalse();
        // The agent never got an Ack for 5 and replays it: it must get through. 6 goes through a second time, which
        // the downstream dedupe absorbs.
        assertThat(dedupe.firstTime("agent-1", 5)).isTrue();
        assertThat(dedupe.firstTime("agent-1", 6)).isTrue();
    }

    @Test
    void shouldGiveUpOnAFailedBatchThatIsNeverRetried() {
        dedupe.firstTime("agent-1", 1);
        dedupe.failed("agent-1", 1);
        long last = 1 + BatchDeduplicator.MAX_UNSETTLED_PER_AGENT;
        for (long seq = 2; seq <= last; seq++) {
            dedupe.firstTime("agent-1", seq);
            dedupe.accepted("agent-1", seq);
        }

        assertThat(dedupe.firstTime("agent-1", 1)).isFalse();
        restart();
        assertThat(dedupe.firstTime("agent-1", last)).isFalse();
    }

    @Test
    void shouldCountDuplicates() {
        dedupe.firstTime("agent-1", 1);
        dedupe.firstTime("agent-1", 1);
        dedupe.accepted("agent-1", 1);
        dedupe.firstTime("agent-1", 1);
        dedupe.firstTime("agent-1", 2);

        assertThat(registry.get(BatchDeduplicator.BATCHES_METER).tags("result", "duplicate").counter().count())
                .isEqualTo(2);
    }

    @Test
    void shouldLetExactlyOneOfConcurrentCopiesThrough() throws Exception {
        int threads = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        try {
            for (long seq = 1; seq <= 200; seq++) {
                long s = seq;
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Boolean>> copies = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    copies.add(executor.submit(() -> {
                        start.await();
                        return dedupe.firstTime("agent-1", s);
                    }));
                }
                start.countDown();
                int through = 0;
                for (Future<Boolean> copy : copies) {
                    through += copy.get(30, TimeUnit.SECONDS) ? 1 : 0;
                }
                assertThat(through).as("copies of seq %d let through", s).isEqualTo(1);
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldCreateTheFileAndTolerateASecondClose() {
        assertThat(file).exists();

        dedupe.close();
        dedupe.close();
    }

    @Test
    void shouldRefuseAFileAnotherBridgeHolds() {
        assertThatThrownBy(() -> BatchDeduplicator.open(file, registry))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString());
    }

    @Test
    void shouldRefuseADamagedFileNamingIt() throws Exception {
        Path damaged = dir.resolve("damaged.mv.db");
        Files.writeString(damaged, "not an MVStore file, not at all");

        assertThatThrownBy(() -> BatchDeduplicator.open(damaged, registry))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(damaged.toString());
    }

    private void restart() {
        dedupe.close();
        dedupe = BatchDeduplicator.open(file, new SimpleMeterRegistry());
    }
}
