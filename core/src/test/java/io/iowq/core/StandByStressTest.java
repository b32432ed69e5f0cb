package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Randomized stress of standing by with what can end a standby around it: two submitters of tiny
 * items (the ones that let a worker stand by), now and then an item that spins for up to half a
 * millisecond (a worker busy in it counts as running, so the other's standbys end in vain and hold
 * standing by off), keyed items (a queued key head calls the standing workers), cancels of single
 * items, of keys and of everything, resizes, and a shutdown at a random point or after the items.
 * Checked every round: every accepted item ends exactly once and its task ran at most once (once
 * if it completed); never two items of a key at once; submitted = completed + cancelled = what the
 * test accepted; the account's invariants hold once the items are done, in the rounds not shut down
 * early (a worker that stands by is running and counted once, nothing runnable waits unseen); no
 * thread outlives the pool; and over the rounds, workers stood by. {@code -Diowq.seed=S} replays
 * a run.
 */
class StandByStressTest {

    private static final int ROUNDS = Integer.getInteger("iowq.standby.rounds", 24);
    private static final int ITEMS = 20_000;
    private static final int KEYS = 4;

    @Test
    void everyItemEndsOnceWhileWorkersStandBy() throws Exception {
        long seed = Long.getLong("iowq.seed", System.nanoTime());
        System.out.println("StandByStressTest seed=" + seed + " (replay with -Diowq.seed=" + seed + ")");
        SplittableRandom random = new SplittableRandom(seed);
        long standbys = 0;
        for (int round = 0; round < ROUNDS; round++) {
            standbys += new Round(random.split(), "seed " + seed + ", round " + round).run();
        }
        System.out.println("StandByStressTest " + ROUNDS + " rounds, " + standbys + " standbys");
        assertThat(standbys).as("standbys over %d rounds (seed %d)", ROUNDS, seed).isPositive();
    }

    private static final class Round {

        private final SplittableRandom random;
        private final String context;
        private final IoWq pool;
        private final AtomicReferenceArray<Work<?>> accepted = new AtomicReferenceArray<>(ITEMS);
        private final AtomicIntegerArray ran = new AtomicIntegerArray(ITEMS);
        private final AtomicInteger[] insideKey = new AtomicInteger[KEYS];
        private final AtomicInteger overlaps = new AtomicInteger();
        private final AtomicInteger acceptedCount = new AtomicInteger();
        private volatile boolean submitting = true;

        Round(SplittableRandom random, String context) {
            this.random = random;
            this.context = context;
            int workers = 2 + random.nextInt(2);
            this.pool = new IoWq(Pools.bound(workers, workers).idleTimeout(Duration.ofMillis(random.nextInt(20)))
                    .build());
            for (int k = 0; k < KEYS; k++) {
                insideKey[k] = new AtomicInteger();
            }
        }

        /** Runs the round, checks it, and returns how many times its workers stood by. */
        long run() throws Exception {
            boolean shutDownEarly = random.nextInt(4) == 0;
            SplittableRandom r0 = random.split();
            SplittableRandom r1 = random.split();
            SplittableRandom rc = random.split();
            Thread first = start("submitter-0", () -> submit(0, r0));
            Thread second = start("submitter-1", () -> submit(1, r1));
            Thread meddler = start("meddler", () -> meddle(rc));
            if (shutDownEarly) {
                Races.spin(random.nextInt(2_000_000));
                pool.shutdown();
            }
            joinOrFail(first);
            joinOrFail(second);
            submitting = false;
            joinOrFail(meddler);
            if (!shutDownEarly) {
                await().atMost(Duration.ofSeconds(30)).until(this::allDone);
                String violation = account().invariantViolation();
                assertThat(violation).as("invariants once the items are done, %s", context).isNull();
                pool.shutdown();
            }
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).as("terminated, %s", context).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(() -> pool.threads().isEmpty());
            check();
            return account().standbys();
        }

        private Account account() {
            return pool.nodes()[0].account(WorkClass.BOUND);
        }

        private void submit(int submitter, SplittableRandom r) {
            for (int i = submitter; i < ITEMS; i += 2) {
                Work<?> work = item(i, r);
                try {
                    pool.enqueue(work);
                } catch (RejectedExecutionException shutDown) {
                    return;
                }
                accepted.set(i, work);
                acceptedCount.incrementAndGet();
                if (r.nextInt(8) == 0) {
                    // A pause: what waits stays short (a worker stands by only then), or the queue
                    // empties and workers idle and wake.
                    Races.spin(r.nextInt(r.nextInt(16) == 0 ? 50_000 : 5_000));
                }
            }
        }

        /** Mostly tiny items; one in 1,000 spins up to 0.5 ms; one in 100 is keyed. */
        private Work<?> item(int i, SplittableRandom r) {
            int kind = r.nextInt(1_000);
            long spin = kind == 0 ? r.nextInt(500_000) : r.nextInt(300);
            if (kind < 10) {
                int key = r.nextInt(KEYS);
                return Work.of(() -> {
                    if (insideKey[key].incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    ran.incrementAndGet(i);
                    Races.spin(spin);
                    insideKey[key].decrementAndGet();
                    return null;
                }).hashed(key);
            }
            return Work.of(() -> {
                ran.incrementAndGet(i);
                Races.spin(spin);
                return null;
            });
        }

        /** Cancels (an item, a key, everything) and resizes while the submitters run. */
        private void meddle(SplittableRandom r) {
            while (submitting) {
                int what = r.nextInt(100);
                if (what < 80) {
                    Work<?> work = accepted.get(r.nextInt(ITEMS));
                    if (work != null) {
                        work.cancel(r.nextBoolean());
                    }
                } else if (what < 90) {
                    pool.cancelKey(r.nextInt(KEYS));
                } else if (what < 92) {
                    pool.cancelAll();
                } else {
                    pool.setMaxWorkers(WorkClass.BOUND, r.nextInt(4) == 0 ? 1 : 2 + r.nextInt(2));
                }
                Races.spin(r.nextInt(50_000));
            }
        }

        private boolean allDone() {
            for (int i = 0; i < ITEMS; i++) {
                Work<?> work = accepted.get(i);
                if (work != null && !work.isDone()) {
                    return false;
                }
            }
            return true;
        }

        private void check() {
            long completed = 0;
            long cancelled = 0;
            for (int i = 0; i < ITEMS; i++) {
                Work<?> work = accepted.get(i);
                assertThat(ran.get(i)).as("runs of item %d, %s", i, context).isLessThanOrEqualTo(1);
                if (work == null) {
                    assertThat(ran.get(i)).as("runs of refused item %d, %s", i, context).isZero();
                    continue;
                }
                assertThat(work.isDone()).as("item %d ended, %s", i, context).isTrue();
                if (work.isCancelled()) {
                    cancelled++;
                } else {
                    assertThat(ran.get(i)).as("runs of completed item %d, %s", i, context).isEqualTo(1);
                    completed++;
                }
            }
            IoWqStats stats = pool.stats();
            assertThat(overlaps.get()).as("items of a key that ran at once, %s", context).isZero();
            assertThat(stats.submitted()).as("submitted, %s", context).isEqualTo(acceptedCount.get());
            assertThat(stats.completed()).as("completed, %s", context).isEqualTo(completed);
            assertThat(stats.cancelled()).as("cancelled, %s", context).isEqualTo(cancelled);
            assertThat(stats.failed()).as("failed, %s", context).isZero();
        }

        private void joinOrFail(Thread t) throws InterruptedException {
            t.join(60_000);
            assertThat(t.isAlive()).as("%s ended, %s", t.getName(), context).isFalse();
        }

        private static Thread start(String name, Runnable body) {
            return Races.start("standby-stress-" + name, body);
        }
    }
}
