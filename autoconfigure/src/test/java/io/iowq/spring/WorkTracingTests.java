package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.iowq.core.Blocking;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.test.simple.SimpleSpan;
import io.micrometer.tracing.test.simple.SimpleTracer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;

/**
 * With a tracing handler in the application's observation registry (here Micrometer's
 * {@link SimpleTracer}) and no property set, each {@code @Hashed @Async} call is one span
 * {@code iowq Ledger.post}, a child of the caller's span, current in the worker while the call runs,
 * and ended with its outcome, also when it is cancelled. One bound worker, so a held call keeps the
 * next of its key pending.
 */
@SpringBootTest(classes = WorkTracingTests.App.class,
        properties = {"iowq.bounded.max-workers=1", "iowq.bounded.concurrency=1"})
class WorkTracingTests {

    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @Autowired
    private SimpleTracer tracer;

    @Autowired
    private ObservationRegistry registry;

    @Autowired
    private Ledger ledger;

    @AfterEach
    void release() {
        ledger.releaseAll();
        tracer.getSpans().clear();
    }

    @Test
    void aHashedAsyncCallIsOneChildSpanOfTheCallersSpanTaggedAndCurrentWhileItRuns() throws Exception {
        Observation request = Observation.start("request", registry);
        CompletableFuture<String> call;
        try (Observation.Scope scope = request.openScope()) {
            call = ledger.post("alice", null);
        } finally {
            request.stop();
        }
        String spanIdInside = call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        long id = ((WorkCompletableFuture<?>) call).work().id();

        SimpleSpan callerSpan = spanNamed("request").get(0);
        SimpleSpan span = endedSpan("alice");
        assertThat(spanNamed("iowq Ledger.post")).hasSize(1);
        assertThat(span.getTraceId()).isEqualTo(callerSpan.getTraceId());
        assertThat(span.getParentId()).isEqualTo(callerSpan.getSpanId());
        assertThat(spanIdInside).isEqualTo(span.getSpanId());
        assertThat(span.getTags()).containsAllEntriesOf(Map.of("class", "bounded", "hashed", "true",
                "outcome", "completed", "method", "Ledger.post", "key", "alice", "id", Long.toString(id)));
        assertThat(events(span)).containsExactly("queued", "started");
        assertThat(span.getError()).isNull();
        System.out.println(render(callerSpan, span)); // the trace docs/operations.md shows
    }

    /** The two spans as text: ids, parent, times relative to the caller's span (SimpleTracer keeps ms), tags, events. */
    private static String render(SimpleSpan caller, SimpleSpan child) {
        long t0 = micros(caller.getStartTimestamp());
        StringBuilder sb = new StringBuilder("trace ").append(caller.getTraceId()).append('\n');
        for (SimpleSpan s : List.of(caller, child)) {
            sb.append(String.format("  span %s  parent %-16s  %-16s  %3d ms .. %3d ms  %s%n", s.getSpanId(),
                    s.getParentId() == null || s.getParentId().isEmpty() ? "-" : s.getParentId(), s.getName(),
                    (micros(s.getStartTimestamp()) - t0) / 1000, (micros(s.getEndTimestamp()) - t0) / 1000,
                    new TreeMap<>(s.getTags())));
            for (Map.Entry<Long, String> e : s.getEvents()) {
                sb.append(String.format("      event %-9s at %3d ms%n", e.getValue(), (e.getKey() - t0) / 1000));
            }
        }
        return sb.toString();
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }

    @Test
    void aCallCancelledWhilePendingEndsItsSpanCancelledWithoutStarting() throws Exception {
        CompletableFuture<String> held = ledger.post("bob", ledger.gate("bob-1"));
        ledger.awaitEntered("bob-1");
        CompletableFuture<String> pending = ledger.post("bob", null);

        assertThat(pending.cancel(true)).isTrue();

        SimpleSpan span = await().atMost(PATIENCE).until(() -> spans("bob").stream()
                .filter(s -> s.getEndTimestamp().toEpochMilli() != 0).toList(), l -> l.size() == 1).get(0);
        assertThat(span.getTags()).containsEntry("outcome", "cancelled").containsEntry("key", "bob");
        assertThat(events(span)).containsExactly("queued", "cancelled");
        ledger.open("bob-1");
        assertThat(held.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void aCallCancelledWhileRunningEndsItsSpanCancelledWhenItsWorkerLeavesIt() throws Exception {
        CompletableFuture<String> running = ledger.post("carol", ledger.gate("carol-1"));
        ledger.awaitEntered("carol-1");

        assertThat(running.cancel(true)).isTrue();

        // the call lingers after its interrupt: its worker is still in it, and so is its span
        assertThatThrownBy(() -> running.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
        assertThat(ledger.gate("carol-1").interrupted.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(tracer.getSpans()).singleElement() // named and tagged only when it ends
                .satisfies(s -> assertThat(s.getEndTimestamp().toEpochMilli()).isZero());
        ledger.gate("carol-1").linger.countDown();

        SimpleSpan span = endedSpan("carol");
        assertThat(span.getTags()).containsEntry("outcome", "cancelled").containsEntry("method", "Ledger.post");
        assertThat(events(span)).containsExactly("queued", "started", "cancelled");
    }

    @Test
    void aCallThatSaysItBlocksHasTheEventBlockedTold() throws Exception {
        assertThat(ledger.sleep("erin", true).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("erin");

        assertThat(events(endedSpan("erin"))).containsExactly("queued", "started", "blocked.told");
    }

    @Test
    void aCallSeenAsleepHasTheEventBlockedObserved() throws Exception {
        // The pool looks at busy workers only while work waits: more sleepers than the bound class runs at once.
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < Runtime.getRuntime().availableProcessors() + 2; i++) {
            calls.add(ledger.sleep("frank-" + i, false));
        }
        for (CompletableFuture<String> call : calls) {
            assertThat(call).succeedsWithin(PATIENCE);
        }

        List<SimpleSpan> spans = await().atMost(PATIENCE).until(() -> tracer.getSpans().stream()
                .filter(s -> s.getTags().getOrDefault("key", "").startsWith("frank-"))
                .filter(s -> s.getEndTimestamp().toEpochMilli() != 0).toList(), l -> l.size() == calls.size());
        assertThat(spans).anySatisfy(s -> assertThat(events(s)).containsExactly("queued", "started", "blocked.observed"));
        assertThat(spans).allSatisfy(s -> assertThat(events(s)).doesNotContain("blocked.told"));
    }

    @Test
    void aFailedCallEndsItsSpanFailedWithItsException() {
        CompletableFuture<String> call = ledger.fail("dave");

        assertThatThrownBy(() -> call.get(PATIENCE.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).hasRootCauseMessage("no funds");
        SimpleSpan span = endedSpan("dave");
        assertThat(span.getTags()).containsEntry("outcome", "failed").containsEntry("method", "Ledger.fail");
        assertThat(span.getError()).hasMessage("no funds");
    }

    private SimpleSpan endedSpan(String key) {
        return await().atMost(PATIENCE).until(() -> spans(key),
                l -> l.size() == 1 && l.get(0).getEndTimestamp().toEpochMilli() != 0).get(0);
    }

    private List<SimpleSpan> spans(String key) {
        return tracer.getSpans().stream().filter(s -> key.equals(s.getTags().get("key"))).toList();
    }

    private List<SimpleSpan> spanNamed(String name) {
        return tracer.getSpans().stream().filter(s -> name.equals(s.getName())).toList();
    }

    private static List<String> events(SimpleSpan span) {
        return span.getEvents().stream().map(Map.Entry::getValue).toList();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import(Ledger.class)
    static class App {

        @Bean
        SimpleTracer tracer() {
            return new SimpleTracer();
        }

        @Bean
        DefaultTracingObservationHandler tracingHandler(SimpleTracer tracer) {
            return new DefaultTracingObservationHandler(tracer);
        }
    }

    @Component
    static class Ledger {

        private final SimpleTracer tracer;
        private final Map<String, Gate> gates = new ConcurrentHashMap<>();

        Ledger(SimpleTracer tracer) {
            this.tracer = tracer;
        }

        /** Returns the id of the span current while it runs; waits at {@code gate} first, if given. */
        @Async
        @Hashed("#account")
        public CompletableFuture<String> post(String account, Gate gate) throws InterruptedException {
            if (gate != null) {
                gate.entered.countDown();
                try {
                    gate.open.await();
                } catch (InterruptedException e) {
                    gate.interrupted.countDown();
                    awaitUninterruptibly(gate.linger);
                    throw e;
                }
            }
            return CompletableFuture.completedFuture(tracer.currentSpan().context().spanId());
        }

        /** Sleeps, saying so ({@link Blocking}) if {@code told}. */
        @Async
        @Hashed("#account")
        public CompletableFuture<String> sleep(String account, boolean told) throws Exception {
            if (told) {
                Blocking.run(() -> Thread.sleep(300));
            } else {
                Thread.sleep(500);
            }
            return CompletableFuture.completedFuture(account);
        }

        @Async
        @Hashed("#account")
        public CompletableFuture<String> fail(String account) {
            throw new IllegalStateException("no funds");
        }

        Gate gate(String name) {
            return gates.computeIfAbsent(name, n -> new Gate());
        }

        void awaitEntered(String name) throws InterruptedException {
            assertThat(gate(name).entered.await(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        void open(String name) {
            gate(name).open.countDown();
        }

        void releaseAll() {
            gates.values().forEach(g -> {
                g.open.countDown();
                g.linger.countDown();
            });
            gates.clear();
        }
    }

    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch open = new CountDownLatch(1);
        final CountDownLatch interrupted = new CountDownLatch(1);
        /** Held by an interrupted call before it returns, as a call slow to notice its interrupt. */
        final CountDownLatch linger = new CountDownLatch(1);
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        for (;;) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
