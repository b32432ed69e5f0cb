package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import jdk.jfr.Configuration;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pool's JFR events ({@link FlightEvents}) over one known scenario, read back with a
 * {@link RecordingStream}: each event type, its fields, and the order of a key's events.
 */
class FlightEventsTest {

    private static final List<String> NAMES = List.of("iowq.WorkQueued", "iowq.WorkStarted", "iowq.WorkEnded",
            "iowq.WorkCancelled", "iowq.WorkerBlocked", "iowq.WorkerCreated", "iowq.WorkerExited");

    private static final long CALLBACK_MILLIS = 300;

    @RegisterExtension
    final Pools pools = new Pools();

    /** A key that counts its {@code toString()} calls and those made while a lock of its pool was held. */
    static final class WatchedKey {
        final String name;
        final AtomicInteger strings = new AtomicInteger();
        final AtomicInteger underLock = new AtomicInteger();
        volatile IoWq pool;

        WatchedKey(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            strings.incrementAndGet();
            for (Account a : pool.accounts()) {
                if (a.lock.isHeldByCurrentThread()) {
                    underLock.incrementAndGet();
                }
            }
            return name;
        }
    }

    @Test
    void aRecordingShowsEachItemsLifeAndEachWorkersInOrderPerKeyWithNoKeyToStringUnderALock() throws Exception {
        ConcurrentLinkedQueue<RecordedEvent> events = new ConcurrentLinkedQueue<>();
        IoWq pool;
        WatchedKey key = new WatchedKey("k");
        Work<String> a;
        Work<Object> b;
        Work<String> c;
        Work<String> told;
        Work<String> interrupted;
        try (RecordingStream rs = new RecordingStream()) {
            NAMES.forEach(name -> rs.enable(name).withThreshold(Duration.ZERO));
            rs.setReuse(false);
            rs.onEvent(e -> {
                if (e.getEventType().getName().startsWith("iowq.")) {
                    events.add(e);
                }
            });
            rs.startAsync();
            pool = pools.start(Pools.bound(2, 1));
            key.pool = pool;

            // Key k: a holds it until the gate opens; b fails behind it; c waits behind b and is cancelled.
            Gate gate = new Gate();
            a = gate.enter(pool, Work.of(gate.task()).hashed(key).describedAs("a"));
            b = pool.enqueue(Work.of((Runnable) () -> {
                throw new IllegalStateException("b fails");
            }).hashed(key).describedAs("b"));
            c = pool.enqueue(Work.of(() -> "c").hashed(key).describedAs("c"));
            assertThat(c.cancel(true)).isTrue();
            gate.open();
            a.get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> b.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);

            told = Work.of(() -> Blocking.call(() -> "told")).describedAs("told");
            told.whenDone(() -> sleep(CALLBACK_MILLIS)); // runs on the worker, after the run's duration ends
            pool.enqueue(told).get(10, TimeUnit.SECONDS);
            CountDownLatch running = new CountDownLatch(1);
            interrupted = pool.enqueue(Work.of(() -> {
                running.countDown();
                Thread.sleep(10_000);
                return "slept";
            }).describedAs("interrupted"));
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(interrupted.cancel(true)).isTrue();
            pool.shutdown();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            eventually().until(() -> count(events, "iowq.WorkerExited") > 0
                    && count(events, "iowq.WorkerExited") >= count(events, "iowq.WorkerCreated")
                    && count(events, "iowq.WorkEnded") >= 4 && count(events, "iowq.WorkCancelled") >= 2);
        }

        assertThat(key.strings).as("the key was told to the events").hasPositiveValue();
        assertThat(key.underLock).as("toString() calls under a lock of the pool").hasValue(0);
        Map<String, List<RecordedEvent>> byName = events.stream()
                .sorted((x, y) -> x.getStartTime().compareTo(y.getStartTime()))
                .collect(Collectors.groupingBy(e -> e.getEventType().getName()));
        List<RecordedEvent> queued = byName.get("iowq.WorkQueued");
        assertThat(queued).extracting(e -> e.getLong("id"), e -> e.getString("key"), e -> e.getString("workClass"),
                        e -> e.getString("description"))
                .containsExactly(tuple(a.id(), "k", "bounded", "a"), tuple(b.id(), "k", "bounded", "b"),
                        tuple(c.id(), "k", "bounded", "c"), tuple(told.id(), null, "bounded", "told"),
                        tuple(interrupted.id(), null, "bounded", "interrupted"));
        assertThat(byName.get("iowq.WorkStarted")).extracting(e -> e.getLong("id"))
                .containsExactly(a.id(), b.id(), told.id(), interrupted.id());
        List<RecordedEvent> ended = byName.get("iowq.WorkEnded");
        assertThat(ended).extracting(e -> e.getLong("id"), e -> e.getString("key"), e -> e.getString("outcome"))
                .containsExactly(tuple(a.id(), "k", "completed"), tuple(b.id(), "k", "failed"),
                        tuple(told.id(), null, "completed"), tuple(interrupted.id(), null, "cancelled"));
        assertThat(byName.get("iowq.WorkCancelled")).extracting(e -> e.getLong("id"), e -> e.getString("key"),
                e -> e.getThread().getJavaName()).containsExactly(tuple(c.id(), "k", Thread.currentThread().getName()),
                tuple(interrupted.id(), null, Thread.currentThread().getName()));

        // The worker's side: started and ended on the worker, the run's duration on WorkEnded.
        RecordedEvent startedA = event(byName, "iowq.WorkStarted", a.id());
        RecordedEvent endedA = event(byName, "iowq.WorkEnded", a.id());
        assertThat(startedA.getThread().getJavaName()).startsWith("iowq-b-").isEqualTo(endedA.getThread().getJavaName());
        assertThat(endedA.getDuration()).isPositive();
        // Per key: a queued before b before c, a started after it was queued, b started after a ended, c never.
        RecordedEvent startedB = event(byName, "iowq.WorkStarted", b.id());
        assertThat(event(byName, "iowq.WorkQueued", a.id()).getStartTime()).isBeforeOrEqualTo(startedA.getStartTime());
        assertThat(event(byName, "iowq.WorkQueued", c.id()).getStartTime()).isBeforeOrEqualTo(endedA.getEndTime());
        assertThat(startedA.getStartTime()).isBefore(endedA.getEndTime());
        assertThat(endedA.getEndTime()).isBeforeOrEqualTo(startedB.getStartTime());
        assertThat(startedB.getStartTime()).isBeforeOrEqualTo(event(byName, "iowq.WorkEnded", b.id()).getStartTime());

        assertThat(event(byName, "iowq.WorkEnded", told.id()).getDuration()).as("the run only, not the callbacks")
                .isLessThan(Duration.ofMillis(CALLBACK_MILLIS));

        RecordedEvent blocked = byName.get("iowq.WorkerBlocked").get(0);
        assertThat(byName.get("iowq.WorkerBlocked")).hasSize(1);
        assertThat(blocked.getString("how")).isEqualTo("told");
        assertThat(blocked.getLong("id")).isEqualTo(told.id());
        assertThat(blocked.getThread("worker").getJavaName())
                .isEqualTo(event(byName, "iowq.WorkStarted", told.id()).getThread().getJavaName());

        List<String> created = byName.get("iowq.WorkerCreated").stream().map(e -> e.getThread().getJavaName()).toList();
        assertThat(created).first().isEqualTo("iowq-b-1");
        assertThat(byName.get("iowq.WorkerCreated")).extracting(e -> e.getString("workClass")).containsOnly("bounded");
        assertThat(byName.get("iowq.WorkerExited")).extracting(e -> e.getThread().getJavaName())
                .containsExactlyInAnyOrderElementsOf(created);

    }

    @Test
    void withTheDefaultSettingsOrNoRecordingNoKeyOrTaskIsTurnedIntoAStringForShortItems() throws Exception {
        IoWq pool = pools.start(Pools.bound(2, 1));
        WatchedKey key = new WatchedKey("k");
        key.pool = pool;
        AtomicInteger taskStrings = new AtomicInteger();
        Runnable task = new Runnable() {
            @Override
            public void run() {
            }

            @Override
            public String toString() {
                taskStrings.incrementAndGet();
                return "task";
            }
        };
        try (RecordingStream rs = new RecordingStream(Configuration.getConfiguration("default"))) {
            rs.startAsync();
            runAll(pool, List.of(Work.of(task).hashed(key), Work.of(task).hashed(key), Work.of(task)));
        }
        assertThat(key.strings).as("with the default settings: the per-item events are off").hasValue(0);

        runAll(pool, List.of(Work.of(() -> Blocking.call(() -> "told")).hashed(key), Work.of(task).hashed(key)));
        Gate gate = Gate.occupying(pool);
        assertThat(pool.enqueue(Work.of(task).hashed(key)).cancel(true)).isTrue();
        gate.open();
        assertThat(key.strings).as("without a recording: blocked and cancelled too").hasValue(0);
        assertThat(taskStrings).hasValue(0);
    }

    private static void runAll(IoWq pool, List<Work<?>> items) throws Exception {
        for (Work<?> w : items) {
            pool.enqueue(w);
        }
        for (Work<?> w : items) {
            w.get(10, TimeUnit.SECONDS);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long count(ConcurrentLinkedQueue<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).count();
    }

    private static RecordedEvent event(Map<String, List<RecordedEvent>> byName, String name, long id) {
        return byName.get(name).stream().filter(e -> e.getLong("id") == id).findFirst().orElseThrow();
    }
}
