package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "An interrupt can never land on an item it was not aimed at", tried hard: items run back to back on
 * two workers while two threads cancel random running (and pending) items by id and by
 * {@code Future.cancel(true)}. Each item looks for an interrupt when it starts and during a short
 * wait; a cancel that answered {@code RUNNING} (or a {@code Future.cancel} that returned true) marks
 * its target. No unmarked item, and no NO_CANCEL item, may ever see an interrupt, and no item removed
 * while pending may run. Prints its seed; {@code -Diowq.seed=...} replays it.
 */
class InterruptTargetStressTest {

    private static final int ROUNDS = Integer.getInteger("iowq.stress.rounds", 2_000);
    private static final int ITEMS_PER_ROUND = 8;
    private static final int CANCELLERS = 2;

    @RegisterExtension
    final Pools pools = new Pools();

    /** What one item saw and what was aimed at it. */
    private static final class Item {
        final boolean noCancel;
        final int behaviour;
        final long nanos;
        volatile Work<Object> work;
        final AtomicBoolean ran = new AtomicBoolean();
        final AtomicBoolean sawInterrupt = new AtomicBoolean();
        final AtomicInteger aimedWhileRunning = new AtomicInteger();
        final AtomicBoolean removedWhilePending = new AtomicBoolean();

        Item(SplittableRandom r) {
            noCancel = r.nextInt(8) == 0;
            behaviour = r.nextInt(6);
            nanos = r.nextInt(30_000);
        }

        Object run() {
            ran.set(true);
            if (Thread.interrupted()) {
                sawInterrupt.set(true);
                return null;
            }
            try {
                switch (behaviour) {
                    case 0 -> LockSupport.parkNanos(nanos);
                    case 1 -> Thread.sleep(0, (int) (nanos % 1_000_000));
                    case 2 -> Blocking.run(() -> LockSupport.parkNanos(nanos));
                    case 3 -> {
                        long end = System.nanoTime() + nanos / 4;
                        while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
                            Thread.onSpinWait();
                        }
                    }
                    default -> {
                        // return at once: an interrupt aimed at it would land on the next item if it could
                    }
                }
            } catch (InterruptedException e) {
                sawInterrupt.set(true);
            }
            if (Thread.interrupted()) {
                sawInterrupt.set(true);
            }
            return null;
        }
    }

    @Test
    void anInterruptNeverLandsOnAnItemItWasNotAimedAt() throws Exception {
        long seed = Seeds.seed("InterruptTargetStressTest");
        SplittableRandom random = new SplittableRandom(seed);
        IoWq pool = pools.start(Pools.bound(2, 2));
        ExecutorService cancellers = Executors.newFixedThreadPool(CANCELLERS);
        Queue<String> violations = new ConcurrentLinkedQueue<>();
        int aimedRunning = 0;
        try {
            for (int round = 0; round < ROUNDS && violations.isEmpty(); round++) {
                Map<Long, Item> items = new ConcurrentHashMap<>();
                List<Item> order = new ArrayList<>();
                for (int i = 0; i < ITEMS_PER_ROUND; i++) {
                    Item item = new Item(random);
                    Work<Object> w = Work.of(item::run);
                    if (item.noCancel) {
                        w.noCancel();
                    }
                    item.work = w;
                    order.add(item);
                }
                List<Future<?>> running = new ArrayList<>();
                for (int c = 0; c < CANCELLERS; c++) {
                    SplittableRandom r = random.split();
                    running.add(cancellers.submit(() -> cancelWhileRunning(pool, items, order, r)));
                }
                for (Item item : order) {
                    items.put(pool.enqueue(item.work).id(), item);
                }
                for (Item item : order) {
                    try {
                        item.work.get(10, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.CancellationException expected) {
                        // cancelled by the cancellers
                    }
                }
                for (Future<?> f : running) {
                    f.get(10, TimeUnit.SECONDS);
                }
                for (Item item : order) {
                    aimedRunning += item.aimedWhileRunning.get() > 0 ? 1 : 0;
                    check(item, round, seed, violations);
                }
            }
        } finally {
            cancellers.shutdownNow();
        }

        assertThat(violations).as("seed %d", seed).isEmpty();
        assertThat(aimedRunning).as("cancels that hit running items (else the test proves nothing), seed %d", seed)
                .isGreaterThan(ROUNDS / 10);
        System.out.println("InterruptTargetStressTest: " + aimedRunning + " running items aimed at, " + pool.stats());
    }

    private static void check(Item item, int round, long seed, Queue<String> violations) {
        String where = "seed " + seed + ", round " + round + ", " + item.work + ": ";
        if (item.sawInterrupt.get() && item.aimedWhileRunning.get() == 0) {
            violations.add(where + "saw an interrupt nobody aimed at it");
        }
        if (item.sawInterrupt.get() && item.noCancel) {
            violations.add(where + "NO_CANCEL but interrupted");
        }
        if (item.removedWhilePending.get() && item.ran.get()) {
            violations.add(where + "ran after it was removed while pending");
        }
    }

    private static void cancelWhileRunning(IoWq pool, Map<Long, Item> items, List<Item> order, SplittableRandom r) {
        while (!allDone(order)) {
            if (r.nextBoolean()) {
                List<WorkInfo> running = pool.runningWork(false);
                if (!running.isEmpty()) {
                    long id = running.get(r.nextInt(running.size())).id();
                    Item target = items.get(id);
                    if (target != null) {
                        aimById(pool, target);
                    }
                }
            } else {
                Item target = order.get(r.nextInt(order.size()));
                if (target.work.id() == 0) {
                    Thread.onSpinWait();
                } else if (r.nextBoolean()) {
                    aimById(pool, target);
                } else if (target.work.cancel(true)) {
                    // pending or running: either way it was the target
                    target.aimedWhileRunning.incrementAndGet();
                }
            }
            if (r.nextInt(4) == 0) {
                Thread.yield();
            }
        }
    }

    private static void aimById(IoWq pool, Item target) {
        CancelResult result = pool.cancel(target.work.id());
        if (result == CancelResult.RUNNING) {
            target.aimedWhileRunning.incrementAndGet();
        } else if (result == CancelResult.OK) {
            target.removedWhilePending.set(true);
        }
    }

    private static boolean allDone(List<Item> order) {
        for (Item item : order) {
            if (!item.work.isDone()) {
                return false;
            }
        }
        return true;
    }
}
