package io.dams.notifier.testing;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A receiver on loopback (the JDK's HTTP server) that records every request and answers from a script: scripted
 * answers first, in order, then the default answer. An answer may hold the request until it is released, to play a
 * receiver that does not answer in time.
 */
public final class LocalReceiver implements AutoCloseable {

    /** One request as it arrived. */
    public record Request(String method, String path, Headers headers, byte[] body, long arrivedNanos) {

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.getFirst(name);
        }
    }

    /** One answer. */
    public record Answer(int status, Map<String, String> headers, String body, CountDownLatch holdUntil) {

        public static Answer status(int status) {
            return new Answer(status, Map.of(), "", null);
        }

        public static Answer status(int status, String body) {
            return new Answer(status, Map.of(), body, null);
        }

        public static Answer withHeader(int status, String name, String value) {
            return new Answer(status, Map.of(name, value), "", null);
        }

        /** Holds the request until {@code release} counts down, then answers {@code status}. */
        public static Answer heldUntil(CountDownLatch release, int status) {
            return new Answer(status, Map.of(), "", release);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Requests answered with 2xx, in order. */
    private final List<Request> accepted = new CopyOnWriteArrayList<>();
    private final Deque<Answer> script = new ArrayDeque<>();
    private volatile Function<Request, Answer> byDefault = r -> Answer.status(200, "ok");

    private LocalReceiver(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static LocalReceiver start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            ExecutorService executor = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "local-receiver");
                t.setDaemon(true);
                return t;
            });
            LocalReceiver receiver = new LocalReceiver(server, executor);
            server.createContext("/", receiver::handle);
            server.setExecutor(executor);
            server.start();
            return receiver;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:<port><path>} */
    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers these first, in order. */
    public synchronized LocalReceiver then(Answer... answers) {
        script.addAll(List.of(answers));
        return this;
    }

    /** The answer once the script is used up. */
    public LocalReceiver byDefault(Function<Request, Answer> answer) {
        this.byDefault = answer;
        return this;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Request> accepted() {
        return List.copyOf(accepted);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders(), body, System.nanoTime());
            requests.add(request);
            Answer answer;
            synchronized (this) {
                answer = script.isEmpty() ? null : script.poll();
            }
            if (answer == null) {
                answer = byDefault.apply(request);
            }
            if (answer.holdUntil() != null) {
                try {
                    answer.holdUntil().await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
            byte[] out = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(answer.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(out);
                }
            }
            if (answer.status() >= 200 && answer.status() < 300) {
                accepted.add(request);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
