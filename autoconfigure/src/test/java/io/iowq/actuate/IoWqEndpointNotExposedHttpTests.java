package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.http.HttpMethod;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;

/** Like every Actuator endpoint but health, {@code iowq} is not on HTTP until the user includes it. */
@SpringBootTest(classes = ActuateTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "iowq.shutdown.await-termination=1s")
@AutoConfigureRestTestClient
@DirtiesContext // closed after the class, so its threads do not linger: no other class reuses this context
class IoWqEndpointNotExposedHttpTests {

    @Autowired
    private RestTestClient client;

    @Autowired
    private ApplicationContext context;

    @Test
    void theEndpointIsHiddenWhenNotExposed() {
        assertThat(Answer.call(client, HttpMethod.GET, "/actuator/iowq", null).status()).isEqualTo(404);
        assertThat(Answer.call(client, HttpMethod.DELETE, "/actuator/iowq", null).status()).isEqualTo(404);
        assertThat(Answer.call(client, HttpMethod.GET, "/actuator/health", null).status()).isEqualTo(200);
        assertThat(context.getBeanNamesForType(IoWqEndpoint.class)).isEmpty();
    }

    @Test
    void withBootsDefaultHealthSettingsTheIowqComponentIsHiddenAs404() {
        // management.endpoint.health.show-components (like show-details) is "never" by default
        Answer health = Answer.call(client, HttpMethod.GET, "/actuator/health", null);
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.body()).doesNotContain("iowq");
        assertThat(Answer.call(client, HttpMethod.GET, "/actuator/health/iowq", null).status()).isEqualTo(404);
    }
}
