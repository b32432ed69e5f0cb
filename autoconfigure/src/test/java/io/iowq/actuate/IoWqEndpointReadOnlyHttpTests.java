package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqStats;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * {@code management.endpoint.iowq.access=read-only}: the reads answer, and every write (cancel one,
 * a key, all; resize) is refused without touching the pool.
 */
@SpringBootTest(classes = ActuateTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "management.endpoints.web.exposure.include=iowq",
                "management.endpoint.iowq.access=read-only",
                "iowq.shutdown.await-termination=1s"
        })
@AutoConfigureRestTestClient
@DirtiesContext // closed after the class, so its threads do not linger: no other class reuses this context
class IoWqEndpointReadOnlyHttpTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Autowired
    private RestTestClient client;

    @Autowired
    private IoWqExecutor executor;

    @Autowired
    private SlowWork slowWork;

    @Test
    void readsAnswerAndWritesAreRefusedWithoutChangingAnything() {
        Parked running = new Parked();
        Parked queued = new Parked();
        try {
            slowWork.report("tenant-ro", running);
            slowWork.report("tenant-ro", queued);
            await().atMost(PATIENCE).until(running::started);
            long pendingId = executor.pendingWork().get(0).id();
            IoWqStats before = executor.stats();

            assertThat(call(HttpMethod.GET, "/actuator/iowq", null).status()).isEqualTo(200);
            Answer work = call(HttpMethod.GET, "/actuator/iowq/work", null);
            assertThat(work.status()).isEqualTo(200);
            assertThat(work.<List<Object>>read("$.pending")).hasSize(1);

            String cancelOne = "/actuator/iowq/work/" + pendingId;
            Answer refused = call(HttpMethod.DELETE, cancelOne, null)
                    .keep("read-only-cancel", HttpMethod.DELETE, cancelOne, null);
            assertThat(refused.status()).isEqualTo(404);
            assertThat(call(HttpMethod.DELETE, "/actuator/iowq/keys/tenant-ro", null).status()).isEqualTo(404);
            assertThat(call(HttpMethod.DELETE, "/actuator/iowq", null).status()).isEqualTo(405);
            String resize = "{\"boundedMaxWorkers\":1}";
            assertThat(call(HttpMethod.POST, "/actuator/iowq", resize)
                    .keep("read-only-resize", HttpMethod.POST, "/actuator/iowq", resize).status()).isEqualTo(405);

            assertThat(executor.pendingWork()).extracting(w -> w.id()).containsExactly(pendingId);
            assertThat(running.interrupted()).isFalse();
            assertThat(executor.stats().bounded().maxWorkers()).isEqualTo(before.bounded().maxWorkers());
            assertThat(executor.stats().cancelled()).isEqualTo(before.cancelled());
        } finally {
            running.release();
            queued.release();
        }
        await().atMost(PATIENCE).until(queued::ended);
    }

    private Answer call(HttpMethod method, String path, String json) {
        return Answer.call(client, method, path, json);
    }
}
