package io.dams.query.stream;

import io.dams.query.QueryConfig;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.query.http.QueryParams;
import io.dams.schemas.avro.AlertTransition;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v2/stream/alerts}: server-sent events of alert transitions, one event {@code transition} with one
 * line of JSON per transition. The stream starts with the comment {@code : connected} (from then on no transition is
 * missed) and gets {@code : heartbeat} when idle, so that proxies keep it open and a client that went away is noticed
 * at the next write. Each client has its own bounded backlog; one that falls further behind is disconnected rather
 * than slowing the others (it reconnects and reads {@code /api/v2/alerts} for the current state).
 */
public final class AlertStreamController {

    public static final String PATH = "/api/v2/stream/alerts";
    /** The query parameter that may carry the token on this route, for browsers' EventSource (no headers). */
    public static final String ACCESS_TOKEN = "access_token";
    public static final String EVENT = "transition";

    private static final Logger LOG = LoggerFactory.getLogger(AlertStreamController.class);

    /** What a client's backlog holds: a transition's JSON, or why to stop. */
    private record Item(String json, String stop) {
    }

    private static final Item OVERFLOW = new Item(null, "fell behind");
    private static final Item SHUTDOWN = new Item(null, "the service stops");
    private static final long SHUTDOWN_WAIT_MS = 5_000;

    private final TransitionFeed feed;
    private final QueryConfig.LiveFeedSettings settings;
    private final AtomicInteger open = new AtomicInteger();
    private final Set<BlockingQueue<Item>> backlogs = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;

    public AlertStreamController(TransitionFeed feed, QueryConfig.LiveFeedSettings settings) {
        this.feed = feed;
        this.settings = settings;
    }

    public void stream(Context ctx) throws Exception {
        QueryParams.onlyKnown(ctx, Set.of(ACCESS_TOKEN));
        String accept = ctx.header("Accept");
        if (accept == null || !accept.contains("text/event-stream")) {
            throw new HttpResponseException(406, "this route is a server-sent event stream: send Accept:"
                    + " text/event-stream", Map.of());
        }
        if (closing) {
            throw new StoreUnavailableException("the service is stopping", "stopping", Duration.ofSeconds(5), null);
        }
        if (open.incrementAndGet() > settings.maxClients()) {
            release();
            throw new StoreUnavailableException("the live feed has its maximum of " + settings.maxClients()
                    + " clients", "live feed full", Duration.ofSeconds(10), null);
        }
        BlockingQueue<Item> backlog = new ArrayBlockingQueue<>(settings.maxBacklog() + 1);
        AtomicBoolean overflowed = new AtomicBoolean();
        TransitionFeed.Subscription subscription;
        try {
            subscription = feed.subscribe(t -> offer(backlog, overflowed, t));
        } catch (RuntimeException e) {
            release();
            throw e;
        }
        backlogs.add(backlog);
        new SseHandler(client -> serve(client, backlog, subscription)).handle(ctx);
    }

    /** On the feed's thread: never blocks. */
    private void offer(BlockingQueue<Item> backlog, AtomicBoolean overflowed, AlertTransition transition) {
        if (overflowed.get()) {
            return;
        }
        // One place is kept free for the overflow marker.
        if (backlog.remainingCapacity() <= 1) {
            overflowed.set(true);
            backlog.offer(OVERFLOW);
            return;
        }
        backlog.offer(new Item(TransitionJson.render(transition), null));
    }

    /** Runs for as long as the client stays: on Javalin's async executor, not on a request thread. */
    private void serve(SseClient client, BlockingQueue<Item> backlog, TransitionFeed.Subscription subscription) {
        String remote = client.ctx().ip();
        try {
            client.sendComment("connected");
            long heartbeatMs = settings.heartbeat().toMillis();
            while (!client.terminated()) {
                Item item = backlog.poll(heartbeatMs, TimeUnit.MILLISECONDS);
                if (item == null) {
                    client.sendComment("heartbeat");
                } else if (item.stop() != null) {
                    if (item == OVERFLOW) {
                        LOG.info("live feed: client {} fell {} transitions behind and is disconnected", remote,
                                settings.maxBacklog());
                    }
                    break;
                } else {
                    client.sendEvent(EVENT, item.json());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscription.close();
            backlogs.remove(backlog);
            // Closed before it is counted out: the server must not stop under a stream still finishing its response.
            client.close();
            release();
        }
    }

    private void release() {
        synchronized (open) {
            open.decrementAndGet();
            open.notifyAll();
        }
    }

    /** Streams open now. */
    public int clients() {
        return open.get();
    }

    /**
     * Ends every stream (the service stops) and waits a little for them to finish, so that no stream keeps the server
     * from stopping and none is cut off by it halfway through a write.
     */
    public void disconnectAll() {
        closing = true;
        for (BlockingQueue<Item> backlog : backlogs) {
            backlog.clear();
            backlog.offer(SHUTDOWN);
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_WAIT_MS);
        synchronized (open) {
            long left;
            while (open.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    open.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
