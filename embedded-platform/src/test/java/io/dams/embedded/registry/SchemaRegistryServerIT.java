package io.dams.embedded.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.PlatformException;
import io.dams.embedded.PortGuard;
import io.dams.embedded.bootstrap.SchemaBootstrap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real registry distribution as a child process: persistence across restarts, ports, and dying with its parent. */
class SchemaRegistryServerIT {

    /** Generous: the build machine is shared. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String SCHEMA = "{\"type\":\"record\",\"name\":\"Ping\",\"namespace\":\"io.dams.test\","
            + "\"fields\":[{\"name\":\"at\",\"type\":\"long\"},{\"name\":\"host\",\"type\":\"string\"}]}";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RegistryDistribution.Unpacked dist;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path tmp;

    @BeforeAll
    static void unpack() {
        // Under target/, not the user's cache: the tests neither depend on nor disturb what a developer runs.
        dist = RegistryDistribution.locate().unpack(Path.of("target", "registry-cache"));
    }

    @Test
    void shouldKeepRegisteredSchemasAcrossARestart() throws Exception {
        Path storage = tmp.resolve("registry");
        int id;
        long firstPid;
        try (SchemaRegistryServer server = SchemaRegistryServer.start(dist, storage, 0, START_TIMEOUT)) {
            assertThat(server.url()).isEqualTo("http://127.0.0.1:" + server.port());
            assertThat(server.ccompatUrl()).isEqualTo(server.url() + "/apis/ccompat/v7");
            assertThat(server.apiUrl()).isEqualTo(server.url() + "/apis/registry/v2");
            new SchemaBootstrap(server.ccompatUrl()).setCompatibility("BACKWARD");

            JsonNode registered = send(server, "POST", "/subjects/t-value/versions",
                    JSON.createObjectNode().put("schema", SCHEMA).toString(), 200);
            id = registered.path("id").asInt(-1);
            assertThat(id).isNotNegative();
            firstPid = pid(storage);
        }
        assertThat(alive(firstPid)).isFalse();
        assertThat(storage.resolve(SchemaRegistryServer.PID_FILE)).doesNotExist();

        try (SchemaRegistryServer server = SchemaRegistryServer.start(dist, storage, 0, START_TIMEOUT)) {
            assertThat(pid(storage)).isNotEqualTo(firstPid);
            JsonNode byId = send(server, "GET", "/schemas/ids/" + id, null, 200);
            assertThat(JSON.readTree(byId.path("schema").asText())).isEqualTo(JSON.readTree(SCHEMA));
            assertThat(send(server, "GET", "/subjects/t-value/versions/latest", null, 200).path("id").asInt())
                    .isEqualTo(id);
            assertThat(send(server, "GET", "/config", null, 200).path("compatibilityLevel").asText())
                    .isEqualTo("BACKWARD");
            assertThatThrownBy(() -> new SchemaBootstrap(server.ccompatUrl()).setCompatibility("SIDEWAYS"))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("refused to set the global compatibility to SIDEWAYS");
        }
    }

    @Test
    void shouldRefuseAPortInUseAndLeaveTheStorageAlone() throws Exception {
        Path storage = Files.createDirectories(tmp.resolve("registry"));
        Files.writeString(storage.resolve("registry.mv.db"), "precious");
        Files.writeString(storage.resolve(SchemaRegistryServer.LOG_FILE), "an earlier run\n");
        Map<Path, String> before = contents(storage);

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            int port = taken.getLocalPort();

            assertThatThrownBy(() -> SchemaRegistryServer.start(dist, storage, port, START_TIMEOUT))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + port + " (schema registry) is already in use; stop what uses it or choose"
                            + " another port with --registry-port");
        }
        assertThat(contents(storage)).isEqualTo(before);
    }

    @Test
    void shouldMoveToAnotherPortWhenItsChosenPortIsTakenBeforeItBinds() throws Exception {
        Path storage = tmp.resolve("registry");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            // The port was free when chosen; something else bound it while the registry's JVM was starting.
            Deque<Integer> chosen = new ArrayDeque<>(List.of(taken.getLocalPort(), PortGuard.freePort("127.0.0.1")));
            int second = chosen.getLast();

            try (SchemaRegistryServer server = SchemaRegistryServer.startOnAFreePort(dist, storage, START_TIMEOUT,
                    chosen::poll)) {
                assertThat(server.port()).isEqualTo(second);
                assertThat(send(server, "GET", "/config", null, 200).path("compatibilityLevel").isMissingNode())
                        .isFalse();
            }
            assertThat(chosen).isEmpty();
            assertThat(Files.readString(storage.resolve(SchemaRegistryServer.LOG_FILE)))
                    .contains("Port " + taken.getLocalPort() + " seems to be in use");
        }
    }

    @Test
    void shouldStopWhenItsParentIsKilled() throws Exception {
        Path storage = tmp.resolve("registry");
        Process parent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Parent.class.getName(),
                dist.home().toString(), storage.toString())
                .redirectErrorStream(true)
                .start();
        try {
            int port = CompletableFuture.supplyAsync(() -> readyPort(parent)).get(START_TIMEOUT.toSeconds() + 30,
                    TimeUnit.SECONDS);
            long registryPid = pid(storage);
            assertThat(alive(registryPid)).isTrue();

            parent.destroyForcibly(); // SIGKILL: no shutdown hook, no close()

            await().atMost(Duration.ofSeconds(30)).until(() -> !alive(registryPid));
            assertThat(isListening(port)).isFalse();
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void shouldStopARegistryLeftRunningOnItsStorageByAnEarlierRun() throws Exception {
        Path storage = tmp.resolve("registry");
        SchemaRegistryServer first = SchemaRegistryServer.start(dist, storage, 0, START_TIMEOUT);
        try {
            long leftoverPid = pid(storage);
            ProcessHandle leftover = ProcessHandle.of(leftoverPid).orElseThrow();
            // Kill only the wrapper: the registry lives on, holding its port and the H2 files, as after a crash.
            ProcessHandle wrapper = leftover.parent().orElseThrow();
            wrapper.destroyForcibly();
            wrapper.onExit().get(10, TimeUnit.SECONDS);
            assertThat(leftover.isAlive()).isTrue();

            try (SchemaRegistryServer second = SchemaRegistryServer.start(dist, storage, 0, START_TIMEOUT)) {
                assertThat(leftover.isAlive()).isFalse();
                assertThat(isListening(first.port())).isFalse();
                assertThat(send(second, "GET", "/subjects", null, 200).isArray()).isTrue();
                // Closing the first must not touch what belongs to the second.
                first.close();
                assertThat(pid(storage)).isNotEqualTo(leftoverPid);
                assertThat(isListening(second.port())).isTrue();
            }
        } finally {
            first.close();
        }
    }

    /** Starts a registry, reports its port, then waits to be killed. */
    public static final class Parent {
        public static void main(String[] args) throws Exception {
            Path home = Path.of(args[0]);
            var unpacked = new RegistryDistribution.Unpacked(home, home.resolve(RegistryDistribution.RUNNER_JAR));
            SchemaRegistryServer server = SchemaRegistryServer.start(unpacked, Path.of(args[1]), 0, START_TIMEOUT);
            System.out.println("READY " + server.port());
            System.out.flush();
            Thread.currentThread().join();
        }
    }

    private static int readyPort(Process parent) {
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(parent.getInputStream(),
                    StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("READY ")) {
                    return Integer.parseInt(line.substring("READY ".length()).strip());
                }
                seen.append(line).append('\n');
            }
            throw new AssertionError("the parent JVM exited before the registry was ready:\n" + seen);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private JsonNode send(SchemaRegistryServer server, String method, String path, String body, int expectedStatus)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.ccompatUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", CONTENT_TYPE)
                .header("Accept", CONTENT_TYPE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expectedStatus);
        return JSON.readTree(response.body());
    }

    private static long pid(Path storage) throws IOException {
        return Long.parseLong(Files.readString(storage.resolve(SchemaRegistryServer.PID_FILE)).strip());
    }

    private static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Map<Path, String> contents(Path dir) throws IOException {
        Map<Path, String> contents = new TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                contents.put(dir.relativize(file), Files.readString(file));
            }
        }
        return contents;
    }

    private static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
