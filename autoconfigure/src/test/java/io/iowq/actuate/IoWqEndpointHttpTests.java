package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iowq.core.IoWqStats;
import io.iowq.core.WorkClass;
import io.iowq.core.WorkInfo;
import io.iowq.spring.IoWqExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.HttpMethod;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The {@code iowq} endpoint over real HTTP: every operation, every malformed request, health and a
 * Prometheus scrape. Work waits on {@link Parked} latches the test holds, so nothing depends on timing.
 */
@SpringBootTest(classes = ActuateTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "management.endpoints.web.exposure.include=iowq,health,prometheus",
                "management.endpoint.health.show-details=always",
                "management.metrics.distribution.percentiles-histogram.iowq.work.wait=true",
                "iowq.long-running-threshold=1h",
                "iowq.shutdown.await-termination=1s"
        })
@AutoConfigureRestTestClient
@DirtiesContext // closed after the class, so its threads do not linger: no other class reuses this context
class IoWqEndpointHttpTests {

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    @Autowired
    private RestTestClient client;

    @Autowired
    private IoWqExecutor executor;

    @Autowired
    private SlowWork slowWork;

    private final ParkingLot lot = new ParkingLot();
    private int boundedMax;
    private int unboundedMax;

    @BeforeEach
    void rememberLimits() {
        IoWqStats s = executor.stats();
        boundedMax = s.bounded().maxWorkers();
        unboundedMax = s.unbounded().maxWorkers();
    }

    @AfterEach
    void releaseEverything() {
        lot.releaseAll();
        await().atMost(PATIENCE).until(() -> executor.runningWork(false).isEmpty() && executor.pendingWork().isEmpty());
        executor.setMaxWorkers(WorkClass.BOUND, boundedMax);
        executor.setMaxWorkers(WorkClass.UNBOUND, unboundedMax);
    }

    // ------------------------------------------------------------------ reads

    @Test
    void statsAnswerEveryPinnedFieldAndNoOther() {
        Answer a = kept("stats", HttpMethod.GET, "/actuator/iowq", null);

        assertThat(a.status()).isEqualTo(200);
        Map<String, Object> stats = a.read("$");
        assertThat(stats).containsOnlyKeys("nodes", "bounded", "unbounded", "pending", "activeKeys", "submitted",
                "completed", "failed", "cancelled", "rejected");
        for (String c : List.of("bounded", "unbounded")) {
            Map<String, Object> figures = a.read("$." + c);
            assertThat(figures).containsOnlyKeys("maxWorkers", "concurrency", "workers", "running", "idle", "blocked");
        }
        IoWqStats s = executor.stats();
        assertThat(a.<Integer>read("$.nodes")).isEqualTo(1);
        assertThat(a.<Integer>read("$.bounded.maxWorkers")).isEqualTo(s.bounded().maxWorkers());
        assertThat(a.<Integer>read("$.unbounded.concurrency")).isEqualTo(s.unbounded().concurrency());
    }

    @Test
    void workListsPendingAndRunningItemsWithKeyBoundDescriptionAndTimes() {
        Parked first = lot.park();
        Parked second = lot.park();
        Parked cleanup = lot.park();
        slowWork.report("tenant-7", first);
        slowWork.report("tenant-7", second); // waits behind the first: the same key never runs twice at once
        slowWork.cleanup(cleanup);
        await().atMost(PATIENCE).until(() -> first.started() && cleanup.started());

        Answer a = kept("work", HttpMethod.GET, "/actuator/iowq/work", null);

        assertThat(a.status()).isEqualTo(200);
        Map<String, Object> pending = single(a.read("$.pending"));
        assertThat(pending).containsOnlyKeys("id", "key", "bound", "description", "queuedMillis");
        assertThat(pending).containsEntry("key", "tenant-7").containsEntry("bound", true)
                .containsEntry("description", "SlowWork.report");
        assertThat(((Number) pending.get("queuedMillis")).longValue()).isNotNegative();

        List<Map<String, Object>> running = a.read("$.running");
        assertThat(running).hasSize(2);
        for (Map<String, Object> item : running) {
            assertThat(item).containsOnlyKeys("id", "key", "bound", "description", "worker", "runningMillis");
            assertThat((String) item.get("worker")).startsWith("iowq-");
        }
        assertThat(running).anySatisfy(item -> assertThat(item)
                .containsEntry("key", "tenant-7").containsEntry("description", "SlowWork.report"));
        assertThat(running).anySatisfy(item -> assertThat(item)
                .containsEntry("key", null).containsEntry("description", "SlowWork.cleanup"));
    }

    @Test
    void workOfPlainTasksIsDescribedByTheirToString() {
        Parked p = lot.park();
        executor.submit(new Runnable() {
            @Override
            public void run() {
                p.park();
            }

            @Override
            public String toString() {
                return "nightly-cleanup";
            }
        });
        await().atMost(PATIENCE).until(p::started);

        Answer a = get("/actuator/iowq/work");

        Map<String, Object> item = single(a.read("$.running"));
        assertThat(item).containsEntry("description", "nightly-cleanup").containsEntry("key", null);
    }

    @Test
    void workWithStackShowsTheTopFramesOfEachRunningItemsWorker() {
        Parked p = lot.park();
        slowWork.report("tenant-stack", p);
        await().atMost(PATIENCE).until(p::started);

        Answer plain = get("/actuator/iowq/work");
        Answer a = kept("work-stack", HttpMethod.GET, "/actuator/iowq/work?stack=true", null);

        assertThat(single(plain.read("$.running"))).doesNotContainKey("stack");
        Map<String, Object> item = single(a.read("$.running"));
        @SuppressWarnings("unchecked")
        List<String> stack = (List<String>) item.get("stack");
        assertThat(stack).isNotEmpty().hasSizeLessThanOrEqualTo(StackFrames.MAX_FRAMES);
        assertThat(stack).anyMatch(frame -> frame.startsWith(Parked.class.getName() + ".park(Parked.java:"));
        assertThat(stack).noneMatch(frame -> frame.startsWith("io.iowq.core.Worker"));
    }

    @Test
    void theWorkListIsAPageOfEachListWithTheTotalsBesideIt() {
        Parked running = lot.park();
        slowWork.report("tenant-paged", running);
        for (int i = 0; i < 4; i++) {
            slowWork.report("tenant-paged", lot.park()); // each waits behind the running one
        }
        await().atMost(PATIENCE).until(() -> running.started() && executor.pendingWork().size() == 4);

        Answer page = kept("work-limit", HttpMethod.GET, "/actuator/iowq/work?limit=2", null);
        Answer all = get("/actuator/iowq/work");

        assertThat(page.status()).isEqualTo(200);
        Map<String, Object> body = page.read("$");
        assertThat(body).containsOnlyKeys("pending", "pendingTotal", "running", "runningTotal");
        assertThat(page.<List<Object>>read("$.pending")).hasSize(2);
        assertThat(page.<Integer>read("$.pendingTotal")).isEqualTo(4);
        assertThat(page.<List<Object>>read("$.running")).hasSize(1);
        assertThat(page.<Integer>read("$.runningTotal")).isEqualTo(1);
        assertThat(page.<List<Integer>>read("$.pending[*].id"))
                .containsExactlyElementsOf(all.<List<Integer>>read("$.pending[*].id").subList(0, 2));
        assertThat(all.<List<Object>>read("$.pending")).hasSize(4);
        assertThat(all.<Integer>read("$.pendingTotal")).isEqualTo(4);
    }

    @Test
    void withoutALimitTheWorkListShowsAtMostTheDefaultLimit() {
        Parked running = lot.park();
        slowWork.report("tenant-many", running);
        int queued = IoWqEndpoint.DEFAULT_LIMIT + 5;
        for (int i = 0; i < queued; i++) {
            slowWork.report("tenant-many", lot.park());
        }
        await().atMost(PATIENCE).until(() -> running.started() && executor.pendingWork().size() == queued);

        Answer a = get("/actuator/iowq/work");

        assertThat(a.<List<Object>>read("$.pending")).hasSize(IoWqEndpoint.DEFAULT_LIMIT);
        assertThat(a.<Integer>read("$.pendingTotal")).isEqualTo(queued);
    }

    @Test
    void aLimitOutsideOneToTheMaximumIs400() {
        for (String limit : List.of("0", "-1", String.valueOf(IoWqEndpoint.MAX_LIMIT + 1))) {
            Answer a = get("/actuator/iowq/work?limit=" + limit);

            assertThat(a.status()).as("limit=%s", limit).isEqualTo(400);
            assertThat(a.<String>read("$.message"))
                    .isEqualTo("limit must be between 1 and " + IoWqEndpoint.MAX_LIMIT + ", was " + limit);
        }
        assertThat(get("/actuator/iowq/work?limit=many").<String>read("$.message"))
                .isEqualTo("limit must be an integer, was 'many'");
    }

    @Test
    void anUnknownSectionIsNotFound() {
        assertThat(get("/actuator/iowq/nothing").status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------ cancel one item

    @Test
    void cancellingARunningItemAnswersRunningInterruptsItAndCountsItCancelled() {
        Parked p = lot.park();
        CompletableFuture<Void> future = slowWork.report("tenant-run", p);
        await().atMost(PATIENCE).until(p::started);
        long id = idOf(executor.runningWork(false), "tenant-run");
        long cancelledBefore = executor.stats().cancelled();

        Answer a = kept("cancel-running", HttpMethod.DELETE, "/actuator/iowq/work/" + id, null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("RUNNING");
        await().atMost(PATIENCE).until(p::interrupted);
        await().atMost(PATIENCE).until(() -> executor.stats().cancelled() == cancelledBefore + 1);
        assertThat(get("/actuator/iowq").<Integer>read("$.cancelled")).isEqualTo((int) cancelledBefore + 1);
        await().atMost(PATIENCE).until(future::isCancelled);
    }

    @Test
    void cancellingAPendingItemAnswersOkAndTheItemNeverRuns() {
        Parked first = lot.park();
        Parked second = lot.park();
        slowWork.report("tenant-ok", first);
        CompletableFuture<Void> queued = slowWork.report("tenant-ok", second);
        await().atMost(PATIENCE).until(first::started);
        long id = idOf(executor.pendingWork(), "tenant-ok");

        Answer a = kept("cancel-pending", HttpMethod.DELETE, "/actuator/iowq/work/" + id, null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("OK");
        await().atMost(PATIENCE).until(queued::isCancelled);
        first.release();
        await().atMost(PATIENCE).until(() -> executor.runningWork(false).isEmpty());
        assertThat(second.started()).isFalse();
    }

    @Test
    void cancellingAnIdThatIsNotThereAnswersNotFoundWith200() {
        Answer a = kept("cancel-not-found", HttpMethod.DELETE, "/actuator/iowq/work/987654321", null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("NOT_FOUND");
    }

    // ------------------------------------------------------------------ cancel a key, all

    @Test
    void cancellingAKeyCancelsItsPendingItemsAndInterruptsItsRunningOne() {
        Parked running = lot.park();
        Parked queued1 = lot.park();
        Parked queued2 = lot.park();
        Parked other = lot.park();
        slowWork.report("tenant-9", running);
        slowWork.report("tenant-9", queued1);
        slowWork.report("tenant-9", queued2);
        slowWork.report("tenant-10", other);
        await().atMost(PATIENCE).until(() -> running.started() && other.started());

        Answer a = kept("cancel-key", HttpMethod.DELETE, "/actuator/iowq/keys/tenant-9", null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("RUNNING");
        assertThat(a.<Integer>read("$.pending")).isEqualTo(2);
        assertThat(a.<Integer>read("$.running")).isEqualTo(1);
        await().atMost(PATIENCE).until(running::interrupted);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(executor.runningWork(false))
                .extracting(WorkInfo::key).containsExactly("tenant-10"));
        assertThat(other.interrupted()).isFalse();
        assertThat(queued1.started() || queued2.started()).isFalse();
    }

    @Test
    void aKeyIsAddressedByItsStringFormEvenWithSlashes() {
        Parked first = lot.park();
        Parked second = lot.park();
        slowWork.report("tenant/7", first);
        slowWork.report("tenant/7", second);
        await().atMost(PATIENCE).until(first::started);

        Answer a = delete("/actuator/iowq/keys/tenant/7");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("RUNNING");
        assertThat(a.<Integer>read("$.pending")).isEqualTo(1);
        assertThat(a.<Integer>read("$.running")).isEqualTo(1);
    }

    @Test
    void cancellingAKeyWithNoWorkAnswersNotFoundWith200() {
        Answer a = delete("/actuator/iowq/keys/nobody");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.result")).isEqualTo("NOT_FOUND");
        assertThat(a.<Integer>read("$.pending")).isZero();
        assertThat(a.<Integer>read("$.running")).isZero();
    }

    @Test
    void cancellingAllCancelsEveryPendingItemAndInterruptsEveryRunningOne() {
        Parked a1 = lot.park();
        Parked a2 = lot.park();
        Parked b1 = lot.park();
        slowWork.report("tenant-a", a1);
        slowWork.report("tenant-a", a2);
        slowWork.report("tenant-b", b1);
        await().atMost(PATIENCE).until(() -> a1.started() && b1.started());

        Answer a = kept("cancel-all", HttpMethod.DELETE, "/actuator/iowq", null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<Map<String, Object>>read("$")).isEqualTo(Map.of("pending", 1, "running", 2));
        await().atMost(PATIENCE).until(() -> a1.interrupted() && b1.interrupted());
        assertThat(a2.started()).isFalse();
    }

    // ------------------------------------------------------------------ resize

    @Test
    void resizingChangesMaxWorkersAndAnswersTheNewStats() {
        Answer a = kept("resize", HttpMethod.POST, "/actuator/iowq", "{\"boundedMaxWorkers\":3}");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<Integer>read("$.bounded.maxWorkers")).isEqualTo(3);
        assertThat(executor.stats().bounded().maxWorkers()).isEqualTo(3);
        assertThat(executor.stats().unbounded().maxWorkers()).isEqualTo(unboundedMax);
    }

    @Test
    void resizingBothClassesAtOnce() {
        Answer a = post("/actuator/iowq", "{\"boundedMaxWorkers\":5,\"unboundedMaxWorkers\":7}");

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<Integer>read("$.bounded.maxWorkers")).isEqualTo(5);
        assertThat(a.<Integer>read("$.unbounded.maxWorkers")).isEqualTo(7);
    }

    // ------------------------------------------------------------------ malformed input: 400, nothing changes

    @Test
    void anIdThatIsNotANumberIs400WithAMessage() {
        Answer a = kept("error-id", HttpMethod.DELETE, "/actuator/iowq/work/abc", null);

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).isEqualTo("a work id must be a number, was 'abc'");
    }

    @Test
    void cancellingSomethingOtherThanWorkOrKeysIs400() {
        Answer a = delete("/actuator/iowq/tasks/1");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).contains("work/{id}", "keys/{key}");
    }

    @Test
    void aSizeBelowOneIs400AndChangesNothing() {
        Answer a = kept("error-size", HttpMethod.POST, "/actuator/iowq",
                "{\"boundedMaxWorkers\":4,\"unboundedMaxWorkers\":0}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).isEqualTo("unboundedMaxWorkers must be at least 1, was 0");
        assertUnchanged();
    }

    @Test
    void aSizeAboveTheThreadLimitIs400WithTheLimitAndChangesNothing() {
        long limit = executor.ioWq().config().threadLimit().limit();
        long above = limit + 1;

        Answer a = kept("error-limit", HttpMethod.POST, "/actuator/iowq", "{\"unboundedMaxWorkers\":" + above + "}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message"))
                .startsWith("unboundedMaxWorkers " + above + " is above the thread limit of " + limit + " (from ")
                .endsWith(")")
                .doesNotContain("at most");
        assertThat(post("/actuator/iowq", "{\"boundedMaxWorkers\":1000000000}").status()).isEqualTo(400);
        assertUnchanged();
        assertThat(post("/actuator/iowq", "{\"unboundedMaxWorkers\":" + limit + "}").status()).isEqualTo(200);
    }

    @Test
    void anUnknownFieldIs400AndChangesNothing() {
        Answer a = kept("error-field", HttpMethod.POST, "/actuator/iowq", "{\"boundedMaxWorkers\":4,\"maxWorkers\":4}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message"))
                .isEqualTo("unknown field maxWorkers: this operation takes boundedMaxWorkers, unboundedMaxWorkers");
        assertUnchanged();
    }

    @Test
    void aSizeThatIsNotAnIntegerIs400AndChangesNothing() {
        Answer a = post("/actuator/iowq", "{\"boundedMaxWorkers\":\"many\"}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).isEqualTo("boundedMaxWorkers must be an integer, was 'many'");
        assertUnchanged();
    }

    @Test
    void aResizeWithoutAnySizeIs400() {
        Answer a = post("/actuator/iowq", "{}");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).contains("boundedMaxWorkers", "unboundedMaxWorkers");
        assertUnchanged();
    }

    @Test
    void anUnknownQueryParameterIs400() {
        Answer a = get("/actuator/iowq/work?stacks=true");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.<String>read("$.message")).isEqualTo("unknown field stacks: this operation takes limit, section, stack");
    }

    // ------------------------------------------------------------------ health, Prometheus

    @Test
    void healthIsUpWithWorkersPendingAndRejected() {
        Answer a = kept("health", HttpMethod.GET, "/actuator/health/iowq", null);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.<String>read("$.status")).isEqualTo("UP");
        Map<String, Object> details = a.read("$.details");
        assertThat(details).containsKeys("state", "workers", "pending", "rejected");
    }

    @Test
    void prometheusScrapeShowsTheIoWqAndExecutorMeters() {
        Parked p = lot.park();
        slowWork.report("tenant-prom", p);
        await().atMost(PATIENCE).until(p::started);
        p.release();
        for (int i = 0; i < 16; i++) { // the timers hold one item in 16: at least one of these is in it
            assertThat(executor.submit(() -> "timed")).succeedsWithin(PATIENCE);
        }
        String tags = "class=\"bounded\",name=\"applicationTaskExecutor\"";
        String waitCount = "iowq_work_wait_seconds_count{" + tags + "}";
        String completed = "iowq_work_total{name=\"applicationTaskExecutor\",outcome=\"completed\"}";

        // the item's end reaches the counters and timers just after its worker lets it go: wait for it
        Answer a = await().atMost(PATIENCE).until(() -> get("/actuator/prometheus"),
                scrape -> scrape.status() == 200 && sample(scrape.body(), waitCount) > 0
                        && sample(scrape.body(), completed) > 0);

        assertThat(a.body()).contains(
                "iowq_workers{" + tags + ",state=\"running\"}",
                "iowq_workers{" + tags + ",state=\"idle\"}",
                "iowq_workers{" + tags + ",state=\"blocked\"}",
                "iowq_workers_max{" + tags + "}",
                "iowq_queue_pending{" + tags + "}",
                "iowq_keys_active{" + tags + "}",
                completed,
                "iowq_work_total{name=\"applicationTaskExecutor\",outcome=\"rejected\"}",
                waitCount,
                "iowq_work_duration_seconds_count{" + tags + "}",
                "iowq_work_duration_seconds_count{class=\"unbounded\",name=\"applicationTaskExecutor\"}",
                "iowq_work_wait_seconds_bucket{" + tags + ",le=\"",
                "iowq_work_long_running_total{" + tags + "}",
                "executor_active_threads{name=\"applicationTaskExecutor\"}",
                "executor_completed_tasks_total{name=\"applicationTaskExecutor\"}",
                "executor_queued_tasks{name=\"applicationTaskExecutor\"}",
                "executor_pool_size_threads{name=\"applicationTaskExecutor\"}",
                "executor_pool_max_threads{name=\"applicationTaskExecutor\"}");
        keepScrape(a.body());
    }

    // ------------------------------------------------------------------ helpers

    private void assertUnchanged() {
        IoWqStats s = executor.stats();
        assertThat(s.bounded().maxWorkers()).isEqualTo(boundedMax);
        assertThat(s.unbounded().maxWorkers()).isEqualTo(unboundedMax);
    }

    private static long idOf(List<WorkInfo> work, String key) {
        return work.stream().filter(w -> key.equals(w.key())).findFirst().orElseThrow().id();
    }

    private static Map<String, Object> single(List<Map<String, Object>> items) {
        assertThat(items).hasSize(1);
        return items.get(0);
    }

    /** The exchange, kept as an example for docs/operations.md. */
    private Answer kept(String example, HttpMethod method, String path, String json) {
        return Answer.call(client, method, path, json).keep(example, method, path, json);
    }

    private Answer get(String path) {
        return Answer.call(client, HttpMethod.GET, path, null);
    }

    private Answer delete(String path) {
        return Answer.call(client, HttpMethod.DELETE, path, null);
    }

    private Answer post(String path, String json) {
        return Answer.call(client, HttpMethod.POST, path, json);
    }

    /** The value of {@code series} in a scrape, or -1 if it is not there. */
    private static double sample(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }

    private static void keepScrape(String scrape) {
        StringBuilder lines = new StringBuilder();
        for (String line : scrape.split("\n")) {
            if ((line.startsWith("iowq_") || line.startsWith("executor_")) && !line.contains("_bucket{")) {
                lines.append(line).append('\n');
            }
        }
        new Answer(200, lines.toString()).keep("prometheus", HttpMethod.GET, "/actuator/prometheus", null);
    }
}
