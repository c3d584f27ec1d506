package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.agent.collect.PushBuffer.Receipt;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PushBufferTest {

    private static final long NOW = 1_700_000_000_000L;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void shouldHoldPushedSamplesUntilTheNextDrain() {
        PushBuffer buffer = new PushBuffer(100, registry);

        Receipt receipt = buffer.accept(body("""
                # TYPE backup_last_success_seconds gauge
                backup_last_success_seconds{job="nightly"} 1699990000
                backup_bytes 52428800 1699990000000
                """), NOW);
        buffer.accept(body("late 1\n"), NOW + 1);

        assertThat(receipt).isEqualTo(new Receipt(2, List.of(), false));
        assertThat(buffer.drain()).containsExactly(
                new CollectedSample("backup_last_success_seconds", Map.of("job", "nightly"), NOW, 1699990000),
                new CollectedSample("backup_bytes", Map.of(), 1699990000000L, 52428800),
                CollectedSample.of("late", NOW + 1, 1));
        assertThat(buffer.drain()).isEmpty();
        assertThat(buffer.size()).isZero();
    }

    @Test
    void shouldHandItsSamplesToTheTickAsACollector() {
        PushBuffer buffer = new PushBuffer(100, registry);
        buffer.accept(body("pushed 1\n"), NOW);
        List<CollectedSample> tick = new ArrayList<>();

        buffer.collect(NOW + 10_000, tick::add);

        assertThat(tick).containsExactly(CollectedSample.of("pushed", NOW, 1));
        assertThat(buffer.size()).isZero();
    }

    @Test
    void shouldKeepTheGoodLinesOfABodyAndReportTheBadOnes() {
        PushBuffer buffer = new PushBuffer(100, registry);

        Receipt receipt = buffer.accept(body("a 1\nb{x=\"1\" 2\nc 3\n"), NOW);

        assertThat(receipt.accepted()).isEqualTo(2);
        assertThat(receipt.full()).isFalse();
        assertThat(receipt.errors()).containsExactly("line 2: expected ',' or '}' after the value of label 'x', found '2'");
        assertThat(buffer.drain()).extracting(CollectedSample::name).containsExactly("a", "c");
        assertThat(samples("accepted")).isEqualTo(2);
        assertThat(samples("invalid")).isEqualTo(1);
    }

    @Test
    void shouldRefuseABodyThatDoesNotFitWholeAndTakeItAfterTheNextDrain() {
        PushBuffer buffer = new PushBuffer(3, registry);
        buffer.accept(body("a 1\nb 2\n"), NOW);

        Receipt refused = buffer.accept(body("c 3\nd 4\n"), NOW);

        assertThat(refused.accepted()).isZero();
        assertThat(refused.full()).isTrue();
        assertThat(refused.errors()).containsExactly("push buffer full: it holds 2 of 3 samples and this body has 2;"
                + " retry after the next batch is sent");
        assertThat(buffer.size()).isEqualTo(2);
        assertThat(samples("refused")).isEqualTo(2);
        assertThat(registry.get("dams.agent.push.buffered").gauge().value()).isEqualTo(2);

        assertThat(buffer.drain()).hasSize(2);
        assertThat(buffer.accept(body("c 3\nd 4\n"), NOW)).isEqualTo(new Receipt(2, List.of(), false));
    }

    @Test
    void shouldRefuseABodyOverTheSizeLimitUnread() {
        PushBuffer buffer = new PushBuffer(100, registry);

        Receipt receipt = buffer.accept(new byte[PushBuffer.MAX_BODY_BYTES + 1], NOW);

        assertThat(receipt.accepted()).isZero();
        assertThat(receipt.errors()).singleElement().asString().contains("exceeds the limit of 1048576 bytes");
        assertThat(buffer.size()).isZero();
    }

    @Test
    void shouldRefuseEveryPushWhenItsCapacityIsZero() {
        PushBuffer buffer = new PushBuffer(0, registry);

        Receipt receipt = buffer.accept(body("a 1\n"), NOW);

        assertThat(receipt.accepted()).isZero();
        assertThat(receipt.errors()).singleElement().asString().contains("pushing is disabled");
        assertThatThrownBy(() -> new PushBuffer(-1, new SimpleMeterRegistry()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldLoseNothingWhenPushedFromManyThreads() throws Exception {
        PushBuffer buffer = new PushBuffer(10_000, registry);
        ExecutorService pushers = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pushers.submit(() -> {
                    for (int i = 0; i < 250; i++) {
                        buffer.accept(body("pushed{thread=\"" + thread + "\",i=\"" + i + "\"} 1\n"), NOW);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pushers.shutdownNow();
        }

        assertThat(buffer.drain()).hasSize(1000).doesNotHaveDuplicates();
    }

    private double samples(String result) {
        return registry.get("dams.agent.push.samples").tag("result", result).counter().count();
    }

    private static byte[] body(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
