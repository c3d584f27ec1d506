package io.dams.streams.iq;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * HTTP/1.1 GETs to one instance over connections kept open between requests, each request answered on the thread
 * that asked. The interactive queries are small, frequent GETs on a hot path: the JDK's asynchronous client passes
 * every one through its selector and worker threads, which costs more CPU than the query itself and, on a busy
 * host, a wait for each of those threads to be scheduled. Thread-safe.
 */
final class InstanceConnections implements AutoCloseable {

    /** An answer: status, headers (names in lower case, first value of each) and the whole body. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
    }

    /** The instance (Java's HTTP server) closes a connection idle for 30 s: a connection idle this long is not reused. */
    private static final long MAX_IDLE_NANOS = Duration.ofSeconds(20).toNanos();
    private static final int MAX_IDLE_CONNECTIONS = 32;
    private static final int MAX_LINE = 16 << 10;

    private final String host;
    private final int port;
    private final boolean tls;
    private final byte[] hostHeader;
    private final int connectTimeoutMs;
    private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    InstanceConnections(URI base, Duration connectTimeout) {
        this.tls = "https".equalsIgnoreCase(base.getScheme());
        String h = base.getHost();
        if (h == null) {
            throw new IllegalArgumentException("no host in " + base);
        }
        this.host = h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
        this.port = base.getPort() >= 0 ? base.getPort() : tls ? 443 : 80;
        this.hostHeader = (h + (base.getPort() >= 0 ? ":" + base.getPort() : "")).getBytes(StandardCharsets.US_ASCII);
        this.connectTimeoutMs = (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    }

    /**
     * GETs {@code target} (path and query, already encoded) with {@code headers} besides Host and Accept. A kept-open
     * connection the instance closed meanwhile is replaced by a new one once (a GET can be asked again).
     *
     * @throws SocketTimeoutException when the whole answer has not come within {@code timeout}
     * @throws IOException            when the instance cannot be reached or breaks the connection
     */
    Answer get(String target, Map<String, String> headers, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] request = request(target, headers);
        Connection connection = pooled();
        if (connection != null) {
            try {
                return exchange(connection, request, deadline);
            } catch (IOException e) {
                connection.close();
                if (connection.answered || System.nanoTime() - deadline >= 0) {
                    throw e;
                }
                // Closed by the instance while it was idle: nothing was answered, ask again on a new connection.
            }
        }
        connection = open(deadline);
        try {
            return exchange(connection, request, deadline);
        } catch (IOException | RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            c.close();
        }
    }

    private Connection pooled() {
        for (Connection c; (c = idle.pollFirst()) != null; ) {
            if (System.nanoTime() - c.idleSince < MAX_IDLE_NANOS) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private void release(Connection connection) {
        if (closed || idle.size() >= MAX_IDLE_CONNECTIONS) {
            connection.close();
            return;
        }
        connection.idleSince = System.nanoTime();
        connection.answered = false;
        idle.addFirst(connection);
        if (closed) {
            close();
        }
    }

    private Connection open(long deadline) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port),
                    (int) Math.max(1, Math.min(connectTimeoutMs, remainingMs(deadline))));
            if (tls) {
                SSLSocket ssl = (SSLSocket) ((SSLSocketFactory) SSLSocketFactory.getDefault())
                        .createSocket(socket, host, port, true);
                SSLParameters parameters = ssl.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(parameters);
                ssl.setSoTimeout(remainingMs(deadline));
                ssl.startHandshake();
                socket = ssl;
            }
            return new Connection(socket);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private byte[] request(String target, Map<String, String> headers) {
        StringBuilder head = new StringBuilder(128).append("GET ").append(target).append(" HTTP/1.1\r\nHost: ")
                .append(new String(hostHeader, StandardCharsets.US_ASCII)).append("\r\nAccept: application/json\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private Answer exchange(Connection c, byte[] request, long deadline) throws IOException {
        c.socket.setSoTimeout(remainingMs(deadline));
        c.out.write(request);
        c.out.flush();
        String statusLine;
        int status;
        Map<String, String> headers;
        do {
            statusLine = c.line(deadline);
            c.answered = true;
            status = status(statusLine);
            headers = headers(c, deadline);
        } while (status >= 100 && status < 200);
        byte[] body;
        boolean delimited = true;
        if (status == 204 || status == 304) {
            body = new byte[0];
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = chunked(c, deadline);
        } else if (headers.containsKey("content-length")) {
            body = c.bytes(contentLength(headers.get("content-length")), deadline);
        } else {
            body = c.untilEnd(deadline);
            delimited = false;
        }
        boolean keepAlive = delimited && statusLine.startsWith("HTTP/1.1")
                && !"close".equalsIgnoreCase(headers.get("connection"));
        if (keepAlive) {
            release(c);
        } else {
            c.close();
        }
        return new Answer(status, headers, body);
    }

    private static int status(String statusLine) throws IOException {
        // HTTP/1.1 200 OK
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x status line: '" + shorten(statusLine) + "'");
        }
        try {
            return Integer.parseInt(statusLine.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("no status code in '" + shorten(statusLine) + "'");
        }
    }

    private static Map<String, String> headers(Connection c, long deadline) throws IOException {
        Map<String, String> headers = new HashMap<>();
        for (String line; !(line = c.line(deadline)).isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: '" + shorten(line) + "'");
            }
            headers.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip());
        }
        return headers;
    }

    private static byte[] chunked(Connection c, long deadline) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = c.line(deadline);
            int semicolon = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("not a chunk size: '" + shorten(sizeLine) + "'");
            }
            if (size < 0) {
                throw new IOException("negative chunk size");
            }
            if (size == 0) {
                while (!c.line(deadline).isEmpty()) {
                    // trailers: none are used
                }
                return body.toByteArray();
            }
            body.writeBytes(c.bytes(size, deadline));
            if (!c.line(deadline).isEmpty()) {
                throw new IOException("no line end after a chunk");
            }
        }
    }

    private static int contentLength(String value) throws IOException {
        try {
            long length = Long.parseLong(value.strip());
            if (length < 0 || length > Integer.MAX_VALUE - 8) {
                throw new IOException("Content-Length out of range: " + value);
            }
            return (int) length;
        } catch (NumberFormatException e) {
            throw new IOException("not a Content-Length: '" + shorten(value) + "'");
        }
    }

    private static int remainingMs(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new SocketTimeoutException("request timed out");
        }
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /** One connection: its socket, buffered reads, and whether the current request got any of its answer. */
    private static final class Connection {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        volatile long idleSince;
        boolean answered;

        Connection(Socket socket) throws IOException {
            this.socket = socket;
            this.in = new BufferedInputStream(socket.getInputStream(), 16 << 10);
            this.out = socket.getOutputStream();
        }

        /** One line without its CR LF, ISO-8859-1. */
        String line(long deadline) throws IOException {
            StringBuilder line = new StringBuilder(64);
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("the connection was closed before the answer ended");
                }
                if (b == '\n') {
                    int end = line.length();
                    if (end > 0 && line.charAt(end - 1) == '\r') {
                        line.setLength(end - 1);
                    }
                    return line.toString();
                }
                if (line.length() >= MAX_LINE) {
                    throw new IOException("a line of the answer is longer than " + MAX_LINE + " bytes");
                }
                line.append((char) b);
                if ((line.length() & 1023) == 0) {
                    remainingMs(deadline);
                }
            }
        }

        byte[] bytes(int length, long deadline) throws IOException {
            byte[] bytes = new byte[length];
            int at = 0;
            while (at < length) {
                socket.setSoTimeout(remainingMs(deadline));
                int n = in.read(bytes, at, length - at);
                if (n < 0) {
                    throw new EOFException("the connection was closed after " + at + " of " + length + " bytes");
                }
                at += n;
            }
            return bytes;
        }

        byte[] untilEnd(long deadline) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] buffer = new byte[16 << 10];
            while (true) {
                socket.setSoTimeout(remainingMs(deadline));
                int n = in.read(buffer);
                if (n < 0) {
                    return body.toByteArray();
                }
                body.write(buffer, 0, n);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing: nothing left to do with it.
            }
        }
    }
}
