package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Randomized stress of the whole engine: submissions of every kind (plain, hashed, unbound, linked,
 * NO_CANCEL, CONCURRENT, managed-blocking, failing) from several threads, cancels by id, key and all,
 * runtime resizes, and a shutdown or shutdownNow at a random point. Invariants checked every round:
 * <ul>
 * <li>each accepted item ends exactly once, and its task ran at most once;</li>
 * <li>never two items of a key at once, and per submitter the items of a key start in submission order;</li>
 * <li>submitted = completed + failed + cancelled once terminated, and equals what the test accepted;</li>
 * <li>live workers never exceed the largest {@code maxWorkers} the round set;</li>
 * <li>after termination no thread of the pool is alive.</li>
 * </ul>
 * {@code -Diowq.stress.items=N} sets the items accepted per run (default 1,000,000; rounds of
 * 25,000 go on until that many were accepted), {@code -Diowq.seed=S} replays a run.
 */
class EngineStressTest {

    private static final int ITEMS = Integer.getInteger("iowq.stress.items", 1_000_000);
    private static final int ITEMS_PER_ROUND = Math.max(1_000, Math.min(25_000, ITEMS));
    private static final int SUBMITTERS = 4;
    private static final int KEYS = 64;
    /** Keys are exact within a class: slot {@code keyIndex} for bound work, {@code KEYS + keyIndex} for unbound. */
    private static final int SLOTS = 2 * KEYS;
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** Standbys over every round, printed (StandByStressTest is the one that counts on them). */

    @Test
    void everyAcceptedItemEndsExactlyOnceAndKeysNeverOverlap() throws Exception {
        long seed = Long.getLong("iowq.seed", System.nanoTime());
        System.out.println("EngineStressTest seed=" + seed + " (replay with -Diowq.seed=" + seed + "), items="
                + ITEMS);
        SplittableRandom random = new SplittableRandom(seed);
        long total = 0;
        int rounds = 0;
        // A round that shuts down early accepts fewer items: go on until ITEMS were accepted.
        while (total < ITEMS) {
            total += new Round(random.split(), ITEMS_PER_ROUND, seed, rounds++).run();
        }
        System.out.println("EngineStressTest accepted " + total + " items in " + rounds + " rounds");
    }

    /** One pool, its submitters, one canceller, and its end. */
    private static final class Round {
        private final SplittableRandom random;
        private final int items;
        private final String context;
        private final String prefix = "stress" + POOLS.incrementAndGet() + "-";
        private final int boundMax;
        private final int unboundMax;
        private final IoWq pool;
        private final AtomicInteger threadsAlive = new AtomicInteger();
        private final Map<Work<?>, Runs> runs = new ConcurrentHashMap<>();
        private volatile int largestMax;

        private final Map<Object, AtomicInteger> inKey = new ConcurrentHashMap<>();
        private final AtomicLongArray lastStarted = new AtomicLongArray(SUBMITTERS * SLOTS);
        private final ConcurrentLinkedQueue<Tracked> accepted = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        private final AtomicLong acceptedCount = new AtomicLong();

        Round(SplittableRandom random, int items, long seed, int round) {
            this.random = random;
            this.items = items;
            this.context = "seed=" + seed + " round=" + round;
            this.boundMax = 1 + random.nextInt(6);
            this.unboundMax = 1 + random.nextInt(6);
            this.largestMax = Math.max(boundMax, unboundMax);
            ThreadFactory counting = r -> new Thread(() -> {
                threadsAlive.incrementAndGet();
                try {
                    r.run();
                } finally {
                    threadsAlive.decrementAndGet();
                }
            });
            this.pool = new IoWq(IoWqConfig.builder()
                    .maxWorkers(WorkClass.BOUND, boundMax)
                    .concurrency(WorkClass.BOUND, 1 + random.nextInt(boundMax))
                    .maxWorkers(WorkClass.UNBOUND, unboundMax)
                    .concurrency(WorkClass.UNBOUND, 1 + random.nextInt(unboundMax))
                    .idleTimeout(Duration.ofMillis(random.nextInt(30)))
                    .observeBlocking(random.nextBoolean())
                    .threadNamePrefix(prefix)
                    .threadFactory(counting)
                    .build());
        }

        long run() throws Exception {
            int perSubmitter = items / SUBMITTERS;
            CountDownLatch done = new CountDownLatch(SUBMITTERS);
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < SUBMITTERS; s++) {
                int submitter = s;
                SplittableRandom r = random.split();
                threads.add(start("submitter-" + s, () -> {
                    try {
                        submitAll(submitter, perSubmitter, r);
                    } finally {
                        done.countDown();
                    }
                }));
            }
            SplittableRandom cr = random.split();
            Thread canceller = start("canceller", () -> cancelWhile(done, cr));
            waitThenShutDown(done);
            for (Thread t : threads) {
                t.join(60_000);
            }
            canceller.join(60_000);
            assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).as("terminated, " + context).isTrue();
            check();
            return acceptedCount.get();
        }

        private static Thread start(String name, Runnable body) {
            return Races.start("stress-" + name, body);
        }

        /** Shuts down at a random point: early, midway or after the submitters are done. */
        private void waitThenShutDown(CountDownLatch done) throws InterruptedException {
            int when = random.nextInt(4);
            if (when == 0) {
                done.await(random.nextInt(20), TimeUnit.MILLISECONDS);
            } else {
                done.await(60, TimeUnit.SECONDS);
            }
            if (random.nextInt(3) == 0) {
                for (Runnable r : pool.shutdownNow()) {
                    if (((Work<?>) r).state() != Work.State.CANCELLED) {
                        violations.add("shutdownNow returned an item that is not cancelled: " + r);
                    }
                }
            } else {
                pool.shutdown();
            }
        }

        private void submitAll(int submitter, int count, SplittableRandom r) {
            long[] seq = new long[SLOTS];
            for (int i = 0; i < count; i++) {
                int keyIndex = r.nextInt(KEYS);
                boolean unbound = r.nextInt(6) == 0;
                int slot = unbound ? KEYS + keyIndex : keyIndex;
                Work<Object> head = item(r, submitter, keyIndex, unbound, ++seq[slot]);
                Work<?> tail = head;
                for (int links = r.nextInt(8) == 0 ? 1 + r.nextInt(2) : 0; links > 0; links--) {
                    tail = tail.link(item(r, -1, r.nextInt(KEYS), r.nextInt(6) == 0, 0));
                }
                try {
                    pool.enqueue(head);
                } catch (RejectedExecutionException e) {
                    if (!pool.isShutdown() && head.workClass() != WorkClass.UNBOUND) {
                        violations.add("refused while running: " + head);
                    }
                    if (pool.isShutdown()) {
                        return;
                    }
                    continue;
                }
                for (Work<?> w = head; w != null; w = w.next()) {
                    track(w);
                }
            }
        }

        private void track(Work<?> w) {
            Tracked t = new Tracked(w);
            w.whenDone(t.ends::incrementAndGet);
            accepted.add(t);
            acceptedCount.incrementAndGet();
        }

        /** A random item; {@code submitter < 0} marks a link, whose order is not checked. */
        private Work<Object> item(SplittableRandom r, int submitter, int keyIndex, boolean unbound, long seq) {
            boolean hashed = r.nextInt(3) == 0;
            int behaviour = r.nextInt(20);
            int keySlot = unbound ? KEYS + keyIndex : keyIndex;
            Runs runs = new Runs();
            Work<Object> w = Work.of(() -> {
                runs.count.incrementAndGet();
                AtomicInteger slot = hashed ? inKey.computeIfAbsent(keySlot, k -> new AtomicInteger()) : null;
                if (slot != null) {
                    if (slot.incrementAndGet() != 1) {
                        violations.add("two items of key " + keyIndex + " at once");
                    }
                    if (submitter >= 0) {
                        long previous = lastStarted.getAndSet(submitter * SLOTS + keySlot, seq);
                        if (previous >= seq) {
                            violations.add("key " + keyIndex + " of submitter " + submitter + " ran " + seq
                                    + " after " + previous);
                        }
                    }
                }
                try {
                    body(behaviour);
                } finally {
                    if (slot != null) {
                        slot.decrementAndGet();
                    }
                }
                return null;
            });
            w.describedAs(runs.toString());
            if (hashed) {
                w.hashed(keyIndex);
            }
            if (unbound) {
                w.unbound();
            }
            if (r.nextInt(10) == 0) {
                w.noCancel();
            }
            if (r.nextInt(10) == 0) {
                w.concurrent();
            }
            this.runs.put(w, runs);
            return w;
        }

        private static void body(int behaviour) throws Exception {
            switch (behaviour) {
                case 0 -> throw new IllegalStateException("a failing item");
                case 1 -> Blocking.run(() -> LockSupport.parkNanos(50_000));
                case 2 -> Thread.sleep(0, 100_000);
                case 3 -> Thread.yield();
                default -> {
                    // a tiny item
                }
            }
        }

        private void cancelWhile(CountDownLatch done, SplittableRandom r) {
            while (done.getCount() > 0 && !pool.isTerminated()) {
                switch (r.nextInt(40)) {
                    case 0 -> pool.cancelAll();
                    case 1, 2, 3 -> {
                        int max = 1 + r.nextInt(6);
                        largestMax = Math.max(largestMax, max);
                        pool.setMaxWorkers(r.nextBoolean() ? WorkClass.BOUND : WorkClass.UNBOUND, max);
                    }
                    case 4, 5, 6, 7, 8, 9 -> pool.cancelKey(r.nextInt(KEYS));
                    default -> {
                        Tracked t = accepted.peek();
                        pool.cancel(t == null ? r.nextLong(1, 1000) : t.work.id() + r.nextInt(200));
                    }
                }
                checkWorkerCount();
                LockSupport.parkNanos(r.nextInt(200_000));
            }
        }

        private void checkWorkerCount() {
            IoWqStats s = pool.stats();
            if (s.bounded().workers() > largestMax || s.unbounded().workers() > largestMax) {
                violations.add("workers above maxWorkers: " + s);
            }
        }

        private void check() {
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(threadsOf(prefix)).isEmpty());
            assertThat(threadsAlive.get()).as("worker threads still running, " + context).isZero();
            // Submitters and canceller are joined and the pool is terminated: every end is published.
            for (Tracked t : accepted) {
                Work<?> w = t.work;
                if (!w.isDone()) {
                    violations.add("never ended: " + w);
                }
                if (t.ends.get() != 1) {
                    violations.add("ended " + t.ends.get() + " times: " + w);
                }
                int ran = runs.get(w).count.get();
                if (ran > 1 || (ran == 0 && w.state() != Work.State.CANCELLED)) {
                    violations.add("ran " + ran + " times and ended " + w.state() + ": " + w);
                }
            }
            IoWqStats s = pool.stats();
            assertThat(violations).as(context).isEmpty();
            assertThat(s.submitted()).as("submitted, " + context).isEqualTo(acceptedCount.get());
            assertThat(s.completed() + s.failed() + s.cancelled()).as("ended, " + context).isEqualTo(s.submitted());
            assertThat(s.pending()).isZero();
        }
    }

    private static List<String> threadsOf(String prefix) {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix) && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    private static final class Runs {
        final AtomicInteger count = new AtomicInteger();

        @Override
        public String toString() {
            return "stress item";
        }
    }

    private record Tracked(Work<?> work, AtomicInteger ends) {
        Tracked(Work<?> work) {
            this(work, new AtomicInteger());
        }
    }
}
