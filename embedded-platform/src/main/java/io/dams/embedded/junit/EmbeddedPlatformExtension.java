package io.dams.embedded.junit;

import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives integration tests the embedded platform, started once per test JVM on free ports in a temporary data
 * directory, and stopped when the JVM's tests are done. Tests receive {@link Endpoints} (or the
 * {@link EmbeddedPlatform}) as a parameter:
 *
 * <pre>{@code
 * @ExtendWith(EmbeddedPlatformExtension.class)
 * class MyIT {
 *     @Test
 *     void shouldDoIt(Endpoints platform) { ... platform.bootstrapServers() ... }
 * }
 * }</pre>
 */
public final class EmbeddedPlatformExtension implements ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPlatformExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(EmbeddedPlatformExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Endpoints.class || type == EmbeddedPlatform.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        EmbeddedPlatform platform = platform(context);
        return parameter.getParameter().getType() == Endpoints.class ? platform.endpoints() : platform;
    }

    /** The platform of this test JVM, started on first use. */
    public static EmbeddedPlatform platform(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(RunningPlatform.class, k -> RunningPlatform.start(), RunningPlatform.class)
                .platform();
    }

    /** Stored in the root context, so JUnit closes it after the last test of the JVM. */
    private record RunningPlatform(EmbeddedPlatform platform) implements AutoCloseable {

        static RunningPlatform start() {
            try {
                Path dataDir = Files.createTempDirectory("dams-it-");
                long t0 = System.nanoTime();
                EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dataDir), LOG::info);
                LOG.info("embedded platform up in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, platform.endpoints());
                return new RunningPlatform(platform);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            platform.close();
            try (var files = Files.walk(platform.dataDirectory().root())) {
                for (Path path : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }
    }
}
