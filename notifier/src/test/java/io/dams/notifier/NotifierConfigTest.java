package io.dams.notifier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifierConfigTest {

    private static final Path DOCUMENTED = Path.of("..", "deploy", "dams-central.yaml");

    private final ConfigLoader<NotifierConfig> loader = NotifierConfig.loader();

    @TempDir
    Path tmp;

    @Test
    void shouldDocumentEveryKeyWithItsDefault() {
        assertThat(Files.exists(DOCUMENTED)).as(DOCUMENTED.toAbsolutePath().toString()).isTrue();

        assertThat(loader.load(DOCUMENTED, Map.of())).isEqualTo(NotifierConfig.defaults());
    }

    @Test
    void shouldReadTheSeedsSnakeCaseKeys() throws IOException {
        NotifierConfig config = loader.load(write("""
                alerting:
                  slack_webhook: https://hooks.slack.com/services/T0/B0/XYZ
                  pagerduty_key: abc123
                  external_url: https://dams.example.com
                  email:
                    host: smtp.example.com
                    starttls: off
                    to: [oncall@example.com, ops@example.com]
                  webhooks:
                    - name: ops-hook
                      url: https://ops.example.com/dams
                      hmac_secret: s3cret
                      max_alerts: 50
                notifier:
                  retry:
                    max_attempts: 3
                """), Map.of());

        assertThat(config.alerting().slackWebhook().reveal()).isEqualTo("https://hooks.slack.com/services/T0/B0/XYZ");
        assertThat(config.alerting().pagerdutyKey().reveal()).isEqualTo("abc123");
        assertThat(config.alerting().pagerdutyUrl()).isEqualTo("https://events.pagerduty.com/v2/enqueue");
        assertThat(config.alerting().email().starttls()).isEqualTo(NotifierConfig.StartTls.OFF);
        assertThat(config.alerting().email().to()).containsExactly("oncall@example.com", "ops@example.com");
        assertThat(config.alerting().webhooks()).singleElement().satisfies(w -> {
            assertThat(w.name()).isEqualTo("ops-hook");
            assertThat(w.hmacSecret().reveal()).isEqualTo("s3cret");
            assertThat(w.maxAlerts()).isEqualTo(50);
        });
        assertThat(config.notifier().retry().maxAttempts()).isEqualTo(3);
        assertThat(config.notifier().retry().maxTime()).isEqualTo(Duration.ofMinutes(15));
        assertThat(config.channelNames()).containsExactly("slack", "pagerduty", "email", "webhook", "ops-hook");
    }

    @Test
    void shouldTakeSecretsAndSettingsFromTheEnvironment() throws IOException {
        NotifierConfig config = loader.load(write("alerting:\n  email:\n    host: smtp.example.com\n"
                + "    username: dams\n    to: [oncall@example.com]\n"), Map.of(
                "DAMS_CENTRAL_ALERTING_SLACK_WEBHOOK", "https://hooks.slack.com/services/T0/B0/FROMENV",
                "DAMS_CENTRAL_ALERTING_PAGERDUTY_KEY", "pdkey",
                "DAMS_CENTRAL_ALERTING_EMAIL_PASSWORD", "hunter2",
                "DAMS_CENTRAL_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092",
                "DAMS_CENTRAL_NOTIFIER_RATE_LIMITS_SLACK_PER_SECOND", "0.5"));

        assertThat(config.alerting().slackWebhook().reveal()).endsWith("/FROMENV");
        assertThat(config.alerting().pagerdutyKey().reveal()).isEqualTo("pdkey");
        assertThat(config.alerting().email().password().reveal()).isEqualTo("hunter2");
        assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka-1:9092");
        assertThat(config.notifier().rateLimit("slack").perSecond()).isEqualTo(0.5);
        assertThat(config.notifier().rateLimit("ops-hook")).isEqualTo(config.notifier().rateLimit("default"));
    }

    @Test
    void shouldNeverPrintASecret() throws IOException {
        NotifierConfig config = loader.load(write("""
                alerting:
                  slack_webhook: https://hooks.slack.com/services/T0/B0/TOPSECRET1
                  pagerduty_key: TOPSECRET2
                  email:
                    host: smtp.example.com
                    username: dams
                    password: TOPSECRET3
                    to: [oncall@example.com]
                  webhooks:
                    - name: hook
                      url: https://ops.example.com/
                      hmac_secret: TOPSECRET4
                """), Map.of());

        String printed = loader.toYaml(config) + config;

        assertThat(printed).doesNotContain("TOPSECRET").contains("<redacted>");
    }

    @Test
    void shouldReadAWebhookSecretFromTheVariableItNames() throws IOException {
        NotifierConfig config = loader.load(write("""
                alerting:
                  webhooks:
                    - name: hook
                      url: https://ops.example.com/
                      hmac_secret_env: HOOK_SECRET
                """), Map.of());
        NotifierConfig.Webhook hook = config.alerting().webhooks().get(0);

        assertThat(hook.hmacSecret(Map.of("HOOK_SECRET", "abc"), "alerting.webhooks[0]").reveal()).isEqualTo("abc");
        assertThatThrownBy(() -> hook.hmacSecret(Map.of(), "alerting.webhooks[0]"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("alerting.webhooks[0].hmac_secret_env: the environment variable HOOK_SECRET is not set");
    }

    @Test
    void shouldRefuseAMisspeltKey() throws IOException {
        assertThatThrownBy(() -> loader.load(write("alerting:\n  slack_webhok: https://x.example.com/\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("slack_webhok");
    }

    @Test
    void shouldNameTheKeyOfAValueThatCannotWork() throws IOException {
        assertProblem("alerting:\n  email:\n    host: smtp\n    to: [not an address]\n", "alerting.email.to[0]");
        assertProblem("alerting:\n  email:\n    host: smtp\n    to: []\n", "alerting.email.to");
        assertProblem("alerting:\n  email:\n    starttls: sometimes\n", "'sometimes' is not a STARTTLS mode");
        assertProblem("alerting:\n  webhooks:\n    - {name: slack, url: 'https://x.example.com/'}\n",
                "alerting.webhooks[0].name: 'slack' is reserved");
        assertProblem("alerting:\n  webhooks:\n    - {name: a, url: 'ftp://x'}\n", "alerting.webhooks[0].url");
        assertProblem("alerting:\n  webhooks:\n    - {name: a, url: 'https://x.example.com/'}\n"
                + "    - {name: a, url: 'https://y.example.com/'}\n", "alerting.webhooks[1].name: 'a' is used twice");
        assertProblem("alerting:\n  slack_webhook: not-a-url\n", "alerting.slack_webhook");
        assertProblem("notifier:\n  retry:\n    max_attempts: 0\n", "notifier.retry.max_attempts");
        assertProblem("notifier:\n  retry:\n    initial_backoff: 2m\n", "notifier.retry.max_backoff");
        assertProblem("notifier:\n  rate_limits:\n    nosuch:\n      per_second: 1\n      burst: 1\n",
                "notifier.rate_limits.nosuch");
        assertProblem("kafka:\n  bootstrap_servers: kafka\n", "kafka.bootstrap_servers");
    }

    private void assertProblem(String yaml, String message) throws IOException {
        Path file = write(yaml);
        assertThatThrownBy(() -> loader.load(file, Map.of())).as(yaml)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(message);
    }

    private Path write(String yaml) throws IOException {
        Path file = Files.createTempFile(tmp, "central", ".yaml");
        Files.writeString(file, yaml);
        return file;
    }

    @Test
    void shouldListNoChannelsByDefault() {
        assertThat(NotifierConfig.defaults().channelNames()).isEmpty();
        assertThat(List.copyOf(NotifierConfig.defaults().notifier().rateLimits().keySet()))
                .containsExactly("default", "slack", "pagerduty", "email");
    }
}
