package io.dams.launcher;

import io.dams.query.QueryConfig;
import io.dams.query.QueryService;
import io.dams.runtime.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams query}: the REST API. */
@Command(name = "query",
        mixinStandardHelpOptions = true,
        description = {"Runs the query service: the REST API /api/v2 over the ingest job's stores (assets, health,"
                + " latest values), with bearer tokens, /healthz, /metrics and the OpenAPI document.",
            "Every configuration key can be overridden by an environment variable DAMS_QUERY_<KEY_PATH>, e.g."
                + " DAMS_QUERY_LISTEN_PORT=8080. See deploy/query.yaml for every key and its default."})
final class QueryCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "query.yaml (default: defaults and environment only).")
    Path config;

    @Option(names = "--print-config", description = "Print the effective configuration as YAML and exit.")
    boolean printConfig;

    @Override
    public Integer call() throws InterruptedException {
        ConfigLoader<QueryConfig> loader = new ConfigLoader<>(QueryConfig.class, QueryConfig.defaults(),
                QueryConfig.ENV_PREFIX);
        PrintWriter out = spec.commandLine().getOut();
        if (printConfig) {
            out.print(loader.toYaml(loader.load(config, System.getenv(), false)));
            out.flush();
            return 0;
        }
        QueryConfig settings = loader.load(config);
        QueryService service = QueryService.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.close();
            stopped.countDown();
        }, "dams-query-shutdown"));
        out.println("query service ready on http://" + settings.listen().host() + ":" + service.port() + "/api/v2"
                + (settings.tokens().isEmpty() ? " (no tokens configured: every /api/v2 request will get 401)" : ""));
        out.flush();
        stopped.await();
        return 0;
    }
}
