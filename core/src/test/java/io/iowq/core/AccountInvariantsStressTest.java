package io.iowq.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Hunts for a broken {@link Invariants invariant} of an account with randomized timing: two
 * submitters (plain items and items keyed over 3 keys, some spinning a few microseconds), a canceller
 * (by key, by id, by {@code Future.cancel}) and a sampler that looks at the invariants under the
 * account's lock as often as it can get it, against a pool of bound maxWorkers 2 /
 * concurrency 2, its workers real threads that go idle on the free list, are woken, and (in half the
 * rounds, idle timeout 1 ms) exit and are made again. The sampler sees the account at the lock's
 * hand-overs, where each invariant must hold.
 * <p>
 * After each round: no sample found a violation, every accepted item ended exactly once (ran once if
 * it completed, at most once if cancelled), no two items of a key ran at once, the invariants hold
 * once the items are done, and the pool terminates. The seed is printed; {@code -Diowq.seed=S} replays
 * the choices (not the timing), {@code -Diowq.invariants.rounds=N} runs more rounds.
 */
class AccountInvariantsStressTest {

    private static final int KEYS = 3;

    @Test
    void invariantsHoldAtEveryLookWhileSubmittersCancellersAndWorkersRace() throws Exception {
        long seed = Seeds.seed("AccountInvariantsStressTest");
        Random seeds = new Random(seed);
        int rounds = Integer.getInteger("iowq.invariants.rounds", 40);
        for (int round = 0; round < rounds; round++) {
            round(round, seeds.nextLong());
        }
    }

    /** Waits until every item has ended; false after 10 s (reported after the invariants, which say why). */
    static boolean allDone(List<Work<?>> items) {
        try {
            Pools.eventually().until(() -> items.stream().allMatch(Work::isDone));
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    private void round(int round, long seed) throws Exception {
        Duration idle = round % 2 == 0 ? Duration.ofMillis(1) : Duration.ofSeconds(60);
        IoWq pool = new IoWq(Pools.bound(2, 2).idleTimeout(idle).threadNamePrefix("invariants-").build());
        Account account = pool.accounts()[0];
        List<Work<?>> accepted = new CopyOnWriteArrayList<>();
        ConcurrentHashMap<Work<?>, AtomicInteger> runs = new ConcurrentHashMap<>();
        AtomicInteger[] inKey = new AtomicInteger[KEYS];
        for (int k = 0; k < KEYS; k++) {
            inKey[k] = new AtomicInteger();
        }
        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicInteger samples = new AtomicInteger();
        String where = "round " + round + " (seed " + seed + ", idle timeout " + idle + ")";

        List<Thread> actors = new ArrayList<>();
        for (int s = 0; s < 2; s++) {
            Random r = new Random(seed + s);
            actors.add(Races.start("submitter-" + s, () -> {
                for (int i = 0; i < 1_500; i++) {
                    int key = r.nextInt(3) == 0 ? -1 : r.nextInt(KEYS);
                    long spin = r.nextInt(8) == 0 ? r.nextInt(20_000) : 0;
                    AtomicInteger ran = new AtomicInteger();
                    Work<Object> w = Work.of(() -> {
                        if (key >= 0 && inKey[key].incrementAndGet() > 1) {
                            overlaps.add("two items of key " + key + " ran at once");
                        }
                        ran.incrementAndGet();
                        Races.spin(spin);
                        if (key >= 0) {
                            inKey[key].decrementAndGet();
                        }
                    });
                    if (key >= 0) {
                        w.hashed(key);
                    }
                    runs.put(w, ran);
                    pool.enqueue(w);
                    accepted.add(w);
                    if (r.nextInt(16) == 0) {
                        Races.spin(r.nextInt(50_000));
                    }
                }
            }));
        }
        Random c = new Random(seed - 1);
        Thread canceller = Races.start("canceller", () -> {
            while (actors.stream().anyMatch(Thread::isAlive)) {
                int n = accepted.size();
                switch (c.nextInt(3)) {
                    case 0 -> pool.cancelKey(c.nextInt(KEYS));
                    case 1 -> {
                        if (n > 0) {
                            pool.cancel(accepted.get(c.nextInt(n)).id());
                        }
                    }
                    default -> {
                        if (n > 0) {
                            accepted.get(n - 1 - c.nextInt(Math.min(n, 8))).cancel(c.nextBoolean());
                        }
                    }
                }
                Races.spin(c.nextInt(200_000));
            }
        });
        Thread sampler = Races.start("sampler", () -> {
            do { // at least once: a round can end before this thread is first scheduled
                String v = Invariants.violation(account);
                samples.incrementAndGet();
                if (v != null) {
                    violation.compareAndSet(null, v);
                }
            } while (canceller.isAlive() && violation.get() == null);
        });
        for (Thread t : actors) {
            t.join();
        }
        canceller.join();
        sampler.join();

        boolean allDone = allDone(accepted);
        String atRest = Invariants.violation(account);
        pool.shutdown();
        boolean terminated = pool.awaitTermination(20, TimeUnit.SECONDS);
        assertThat(violation.get()).as("a sampled violation in %s, %d samples", where, samples.get()).isNull();
        assertThat(atRest).as("a violation once the items were done, %s", where).isNull();
        assertThat(overlaps).as("key overlaps in %s", where).isEmpty();
        assertThat(allDone).as("every accepted item ended within 10 s, %s", where).isTrue();
        for (Work<?> w : accepted) {
            int ran = runs.get(w).get();
            assertThat(w.state() == Work.State.COMPLETED ? ran == 1 : w.state() == Work.State.CANCELLED && ran <= 1)
                    .as("%s ran %d times, %s", w, ran, where).isTrue();
        }
        assertThat(samples.get()).as("samples in %s", where).isPositive();
        assertThat(terminated).as("terminated, %s", where).isTrue();
    }
}
