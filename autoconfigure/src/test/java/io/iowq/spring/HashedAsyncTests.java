package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.iowq.core.WorkClass;
import io.iowq.core.WorkInfo;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;

/** {@code @Async} with {@code @Hashed} and {@code @Unbounded} on the auto-configured executor. */
@SpringBootTest(classes = HashedAsyncTests.App.class)
class HashedAsyncTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Autowired
    private Ledger ledger;

    @Autowired
    private Blocker blocker;

    @Autowired
    private Remote remote;

    @Autowired
    private IoWqExecutor executor;

    @Autowired
    private App app;

    @Autowired
    private NearGreeter near;

    @Autowired
    private FarGreeter far;

    @BeforeEach
    void newLatch() {
        Blocker.release = new CountDownLatch(1);
    }

    @AfterEach
    void releaseBlockedWork() {
        Blocker.release.countDown();
        executor.cancelAll();
    }

    @Test
    void oneInheritedMethodCalledOnTwoClassesRunsAsEachClassSays() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(near.where().get(30, TimeUnit.SECONDS)).contains("-b-");
            assertThat(far.where().get(30, TimeUnit.SECONDS)).contains("-u-");
        }
    }

    @Test
    void tenThousandCallsOverAHundredKeysFromEightThreadsRunOneAtATimePerKeyInCallOrderAndKeysInParallel()
            throws Exception {
        int threads = 8;
        int keys = 100;
        int callsPerThread = 1250;
        Object[] keyLocks = new Object[keys];
        int[] nextSeq = new int[keys];
        for (int k = 0; k < keys; k++) {
            keyLocks[k] = new Object();
        }
        List<CompletableFuture<Void>> calls = new CopyOnWriteArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> callerDone = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            callerDone.add(callers.submit(() -> {
                go.await();
                for (int i = 0; i < callsPerThread; i++) {
                    int key = (i * threads + thread) % keys;
                    // The lock makes the call order of a key well defined across caller threads: a hashed
                    // @Async call is handed to the pool before it returns.
                    synchronized (keyLocks[key]) {
                        calls.add(ledger.post(key, nextSeq[key]++));
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : callerDone) {
            f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        callers.shutdown();
        CompletableFuture.allOf(calls.toArray(new CompletableFuture[0])).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(calls).hasSize(threads * callsPerThread);
        assertThat(Ledger.overlaps.get()).as("items of one key running at once").isZero();
        for (int k = 0; k < keys; k++) {
            List<Integer> seen = Ledger.seen.get(k);
            assertThat(seen).as("order of key " + k).hasSize(nextSeq[k]);
            for (int i = 0; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("call %d of key %d", i, k).isEqualTo(i);
            }
        }
        assertThat(Ledger.met.get()).as("keys 0 and 1 met inside their first items").isTrue();
        assertThat(Ledger.maxRunning.get()).as("items running at once across keys").isGreaterThanOrEqualTo(2);
        assertThat(Ledger.threadsSeen).as("workers used").hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void theKeyIsEvaluatedInTheCallersThreadLikeCacheableKeys() throws Exception {
        CountDownLatch release = Blocker.release;
        List<CompletableFuture<Void>> held = List.of(
                blocker.byName("by-name", release),
                blocker.byP0("by-p0", release),
                blocker.byA0("by-a0", release),
                blocker.byRoot("root", release),
                blocker.literal("ignored", release));
        await().atMost(WAIT).untilAsserted(() -> assertThat(keys()).containsExactlyInAnyOrder(
                "by-name", "by-p0", "by-a0", "byRoot:root", "ledger"));
        release.countDown();
        CompletableFuture.allOf(held.toArray(new CompletableFuture[0])).join();
    }

    @Test
    void aNullKeyThrowsIllegalArgumentExceptionAtTheCallSite() throws Exception {
        long submitted = executor.stats().submitted();
        assertThatThrownBy(() -> blocker.byName(null, Blocker.release))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Blocker.byName").hasMessageContaining("evaluated to null");
        assertThat(executor.stats().submitted()).isEqualTo(submitted);
    }

    @Test
    void asyncWorkIsDescribedAsSimpleClassNameDotMethod() throws Exception {
        CompletableFuture<Void> held = blocker.byName("described", Blocker.release);
        await().atMost(WAIT).untilAsserted(() -> assertThat(allWork())
                .anySatisfy(w -> {
                    assertThat(w.key()).isEqualTo("described");
                    assertThat(w.description()).isEqualTo("Blocker.byName");
                }));
        Blocker.release.countDown();
        held.join();
    }

    @Test
    void cancellingTheFutureOfARunningCallInterruptsIt() throws Exception {
        for (boolean completable : new boolean[] {false, true}) {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch interrupted = new CountDownLatch(1);
            Future<String> call = completable
                    ? blocker.untilInterruptedCompletable(started, interrupted)
                    : blocker.untilInterrupted(started, interrupted);
            assertThat(started.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(call.cancel(true)).isTrue();
            assertThat(interrupted.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("interrupted").isTrue();
            assertThat(call.isCancelled()).isTrue();
        }
    }

    @Test
    void cancellingTheFutureOfAPendingCallRemovesItSoItNeverRuns() throws Exception {
        CountDownLatch release = Blocker.release;
        CompletableFuture<Void> first = blocker.byName("queue", release);
        CompletableFuture<Void> second = blocker.byName("queue", release);
        await().atMost(WAIT).until(() -> executor.pendingWork().stream().anyMatch(w -> "queue".equals(w.key())));
        assertThat(second.cancel(true)).isTrue();
        assertThat(executor.pendingWork()).noneMatch(w -> "queue".equals(w.key()));
        release.countDown();
        first.join();
        assertThat(second).isCancelled();
        assertThat(Blocker.ran).filteredOn("queue"::equals).hasSize(1);
    }

    @Test
    void unboundedMethodsAndClassesRunInTheUnboundClass() throws Exception {
        CountDownLatch release = Blocker.release;
        CompletableFuture<String> method = blocker.unbounded(release);
        CompletableFuture<String> onClass = remote.fetch(release);
        await().atMost(WAIT).untilAsserted(() -> assertThat(executor.runningWork(false))
                .filteredOn(w -> w.workClass() == WorkClass.UNBOUND).extracting(WorkInfo::description)
                .contains("Blocker.unbounded", "Remote.fetch"));
        release.countDown();
        assertThat(method.join()).contains("-u-");
        assertThat(onClass.join()).contains("-u-");
        blocker.byName("bound", release).join();
        assertThat(Blocker.lastThread).contains("-b-");
    }

    @Test
    void exceptionsOfVoidMethodsReachTheAsyncUncaughtExceptionHandlerAndOfFuturesTheFuture() throws Exception {
        ledger.fail("boom");
        await().atMost(WAIT).until(() -> !app.uncaught.isEmpty());
        assertThat(app.uncaught.get(0).getMessage()).isEqualTo("boom");
        assertThat(app.uncaughtMethods.get(0).getName()).isEqualTo("fail");
        assertThatThrownBy(() -> ledger.failLater("later").get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(IllegalStateException.class).cause().hasMessage("later");
    }

    @Test
    void operatorsCancelAKeyByTheStringFormTheWorkListShows() throws Exception {
        CountDownLatch release = Blocker.release;
        List<CompletableFuture<Void>> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(blocker.byLong(42L, release));
        }
        await().atMost(WAIT).until(() -> allWork().stream().filter(w -> "42".equals(w.key())).count() == 3);
        var result = executor.cancelKey("42");
        assertThat(result.running()).isEqualTo(1);
        assertThat(result.pending()).isEqualTo(2);
        await().atMost(WAIT).until(() -> held.stream().allMatch(CompletableFuture::isDone));
        assertThat(held).allMatch(CompletableFuture::isCancelled);
    }

    private List<WorkInfo> allWork() {
        List<WorkInfo> all = new ArrayList<>(executor.pendingWork());
        all.addAll(executor.runningWork(false));
        return all;
    }

    private List<String> keys() {
        return allWork().stream().map(WorkInfo::key).toList();
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @EnableAsync
    @Import({Ledger.class, Blocker.class, Remote.class, NearGreeter.class, FarGreeter.class})
    static class App implements AsyncConfigurer {
        final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        final List<Method> uncaughtMethods = new CopyOnWriteArrayList<>();

        @Override
        public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
            return (ex, method, params) -> {
                uncaughtMethods.add(method);
                uncaught.add(ex);
            };
        }
    }

    @Component
    static class Ledger {
        static final Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        static final Map<Integer, AtomicInteger> inFlight = new ConcurrentHashMap<>();
        static final AtomicInteger overlaps = new AtomicInteger();
        static final AtomicInteger running = new AtomicInteger();
        static final AtomicInteger maxRunning = new AtomicInteger();
        static final java.util.Set<String> threadsSeen = ConcurrentHashMap.newKeySet();
        static final CyclicBarrier meeting = new CyclicBarrier(2);
        static final java.util.concurrent.atomic.AtomicBoolean met = new java.util.concurrent.atomic.AtomicBoolean();

        @Async
        @Hashed("#key")
        public CompletableFuture<Void> post(int key, int seq) throws Exception {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            AtomicInteger mine = inFlight.computeIfAbsent(key, k -> new AtomicInteger());
            if (mine.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
            threadsSeen.add(Thread.currentThread().getName());
            if (seq == 0 && key < 2) {
                // Keys 0 and 1 can only both pass if their first items run at the same time.
                meeting.await(20, TimeUnit.SECONDS);
                met.set(true);
            }
            seen.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(seq);
            mine.decrementAndGet();
            running.decrementAndGet();
            return CompletableFuture.completedFuture(null);
        }

        @Async
        public void fail(String message) {
            throw new IllegalStateException(message);
        }

        @Async
        public Future<String> failLater(String message) {
            throw new IllegalStateException(message);
        }
    }

    @Component
    static class Blocker {
        static volatile CountDownLatch release = new CountDownLatch(1);
        static final List<String> ran = new CopyOnWriteArrayList<>();
        static volatile String lastThread;

        private CompletableFuture<Void> hold(Object tag, CountDownLatch latch) throws InterruptedException {
            ran.add(String.valueOf(tag));
            lastThread = Thread.currentThread().getName();
            latch.await();
            return CompletableFuture.completedFuture(null);
        }

        @Async
        @Hashed("#name")
        public CompletableFuture<Void> byName(String name, CountDownLatch latch) throws InterruptedException {
            return hold(name, latch);
        }

        @Async
        @Hashed("#p0")
        public CompletableFuture<Void> byP0(String id, CountDownLatch latch) throws InterruptedException {
            return hold(id, latch);
        }

        @Async
        @Hashed("#a0")
        public CompletableFuture<Void> byA0(String id, CountDownLatch latch) throws InterruptedException {
            return hold(id, latch);
        }

        @Async
        @Hashed("#root.methodName + ':' + #id")
        public CompletableFuture<Void> byRoot(String id, CountDownLatch latch) throws InterruptedException {
            return hold(id, latch);
        }

        @Async
        @Hashed("'ledger'")
        public CompletableFuture<Void> literal(String id, CountDownLatch latch) throws InterruptedException {
            return hold(id, latch);
        }

        @Async
        @Hashed("#id")
        public CompletableFuture<Void> byLong(Long id, CountDownLatch latch) throws InterruptedException {
            return hold(id, latch);
        }

        @Async
        @Unbounded
        public CompletableFuture<String> unbounded(CountDownLatch latch) throws InterruptedException {
            latch.await();
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }

        @Async
        public Future<String> untilInterrupted(CountDownLatch started, CountDownLatch interrupted) {
            return waitForInterrupt(started, interrupted);
        }

        @Async
        public CompletableFuture<String> untilInterruptedCompletable(CountDownLatch started, CountDownLatch interrupted) {
            return waitForInterrupt(started, interrupted);
        }

        private static CompletableFuture<String> waitForInterrupt(CountDownLatch started, CountDownLatch interrupted) {
            started.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return CompletableFuture.completedFuture("interrupted");
        }
    }

    @Component
    @Unbounded
    static class Remote {
        @Async
        public CompletableFuture<String> fetch(CountDownLatch latch) throws InterruptedException {
            latch.await();
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }

    /** One {@code @Async} method, inherited by a bound and an {@code @Unbounded} class. */
    abstract static class Greeter {
        @Async
        public CompletableFuture<String> where() {
            return CompletableFuture.completedFuture(Thread.currentThread().getName());
        }
    }

    @Component
    static class NearGreeter extends Greeter {
    }

    @Component
    @Unbounded
    static class FarGreeter extends Greeter {
    }
}
