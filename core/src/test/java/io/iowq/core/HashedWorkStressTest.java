package io.iowq.core;

import static io.iowq.core.Pools.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hashed work under random load: several submitters, random keys (all with the same hash code), random
 * short sleeps, yields and managed blocking, cancels by id and key, both classes, workers
 * that come and go. Checks that two items of a key never overlap and that each submitter's items of a
 * key start in the order it submitted them. Prints its seed; {@code -Diowq.seed=...} replays it and
 * {@code -Diowq.stress.rounds=...} sets the rounds.
 */
class HashedWorkStressTest {

    private static final int ROUNDS = Integer.getInteger("iowq.stress.rounds", 2_000);
    private static final int SUBMITTERS = 4;
    private static final int KEYS = 12;
    /** Keys are exact within a class: bound items use slots [0, KEYS), unbound ones [KEYS, 2 KEYS). */
    private static final int SLOTS = 2 * KEYS;

    @RegisterExtension
    final Pools pools = new Pools();

    private final CollidingKey[] keys = new CollidingKey[KEYS];
    private final AtomicIntegerArray inKey = new AtomicIntegerArray(SLOTS);
    /** The last sequence number started, per submitter and slot. */
    private final AtomicIntegerArray lastStarted = new AtomicIntegerArray(SUBMITTERS * SLOTS);
    private final int[][] nextSeq = new int[SUBMITTERS][SLOTS];
    private final AtomicInteger overlaps = new AtomicInteger();
    private final AtomicInteger outOfOrder = new AtomicInteger();
    private final AtomicInteger ranTwice = new AtomicInteger();
    private final AtomicInteger endedTwice = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    @Test
    void itemsOfAKeyNeverOverlapAndStartInSubmissionOrder() throws Exception {
        long seed = Seeds.seed("HashedWorkStressTest");
        SplittableRandom random = new SplittableRandom(seed);
        for (int k = 0; k < KEYS; k++) {
            keys[k] = new CollidingKey("key" + k);
        }
        for (int i = 0; i < lastStarted.length(); i++) {
            lastStarted.set(i, -1);
        }
        IoWq pool = pools.start(IoWqConfig.builder().idleTimeout(Duration.ofMillis(5))
                .maxWorkers(WorkClass.BOUND, 3).concurrency(WorkClass.BOUND, 2)
                .maxWorkers(WorkClass.UNBOUND, 3).concurrency(WorkClass.UNBOUND, 1));
        ExecutorService submitters = Executors.newFixedThreadPool(SUBMITTERS);
        long items = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                List<Callable<List<Work<?>>>> batches = new ArrayList<>();
                for (int s = 0; s < SUBMITTERS; s++) {
                    int submitter = s;
                    SplittableRandom r = random.split();
                    batches.add(() -> submitBatch(pool, submitter, r));
                }
                List<Work<?>> round_ = new ArrayList<>();
                List<Future<List<Work<?>>>> submitted = submitters.invokeAll(batches);
                if (random.nextInt(4) == 0) {
                    cancelSome(pool, random);
                }
                for (Future<List<Work<?>>> f : submitted) {
                    round_.addAll(f.get(30, TimeUnit.SECONDS));
                }
                for (Work<?> w : round_) {
                    awaitEnd(w, seed, round);
                }
                items += round_.size();
            }
        } finally {
            submitters.shutdownNow();
        }

        String replay = "seed " + seed;
        assertThat(overlaps.get()).as("items that started while their key ran, " + replay).isZero();
        assertThat(outOfOrder.get()).as("items that started before one submitted earlier, " + replay).isZero();
        assertThat(ranTwice.get()).as("items that ran twice, " + replay).isZero();
        assertThat(endedTwice.get()).as("items that ended twice, " + replay).isZero();
        long accepted = items;
        eventually().untilAsserted(() -> {
            IoWqStats s = pool.stats();
            assertThat(s.submitted()).as(replay).isEqualTo(accepted);
            assertThat(s.completed() + s.cancelled()).as(replay).isEqualTo(accepted);
            assertThat(s.failed()).as(replay).isZero();
            assertThat(s.rejected()).as(replay).isEqualTo(refused.get());
            assertThat(s.activeKeys()).as(replay).isZero();
            assertThat(s.pending()).as(replay).isZero();
        });
        System.out.println("HashedWorkStressTest: " + accepted + " items in " + ROUNDS + " rounds, " + pool.stats());
    }

    private static void awaitEnd(Work<?> w, long seed, int round) throws InterruptedException {
        try {
            w.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.CancellationException e) {
            // its end is checked by the counters
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("seed " + seed + ", round " + round + ": " + w + " never ended", e);
        }
    }

    private List<Work<?>> submitBatch(IoWq pool, int submitter, SplittableRandom r) {
        List<Work<?>> batch = new ArrayList<>();
        int n = 1 + r.nextInt(10);
        for (int i = 0; i < n; i++) {
            int key = r.nextInt(KEYS);
            boolean unbound = r.nextInt(5) == 0;
            int slot = unbound ? KEYS + key : key;
            int seq = nextSeq[submitter][slot]++;
            int behaviour = r.nextInt(6);
            long nanos = 1_000 + r.nextInt(50_000);
            AtomicInteger runs = new AtomicInteger();
            AtomicInteger ends = new AtomicInteger();
            Work<Object> w = Work.of(() -> {
                run(submitter, slot, seq, behaviour, nanos);
                if (runs.incrementAndGet() > 1) {
                    ranTwice.incrementAndGet();
                }
                return null;
            }).hashed(keys[key]);
            if (unbound) {
                w.unbound();
            }
            w.whenDone(() -> {
                if (ends.incrementAndGet() > 1) {
                    endedTwice.incrementAndGet();
                }
            });
            try {
                batch.add(pool.enqueue(w));
            } catch (RejectedExecutionException e) {
                // every unbound worker is blocked and the class is at maxWorkers: io_wq_can_queue refuses
                assertThat(unbound).as("only unbound work is ever refused").isTrue();
                refused.incrementAndGet();
            }
            if (r.nextInt(8) == 0) {
                batch.add(pool.enqueue(Work.of(() -> LockSupport.parkNanos(nanos))));
            }
        }
        return batch;
    }

    private void run(int submitter, int slot, int seq, int behaviour, long nanos) throws InterruptedException {
        if (inKey.incrementAndGet(slot) != 1) {
            overlaps.incrementAndGet();
        }
        if (lastStarted.getAndSet(submitter * SLOTS + slot, seq) >= seq) {
            outOfOrder.incrementAndGet();
        }
        try {
            switch (behaviour) {
                case 0 -> Thread.yield();
                case 1 -> LockSupport.parkNanos(nanos);
                case 2 -> Blocking.run(() -> LockSupport.parkNanos(nanos));
                case 3 -> {
                    long end = System.nanoTime() + nanos / 10;
                    while (System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                }
                default -> {
                    // return at once
                }
            }
        } finally {
            inKey.decrementAndGet(slot);
        }
    }

    private void cancelSome(IoWq pool, SplittableRandom random) {
        if (random.nextBoolean()) {
            pool.cancelKey(keys[random.nextInt(KEYS)]);
        } else {
            for (WorkInfo info : pool.pendingWork()) {
                if (random.nextInt(3) == 0) {
                    pool.cancel(info.id());
                }
            }
        }
    }
}
