package io.iowq.core;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The invariants of one {@link Account}, checked from its fields under its lock.
 * {@link #violation(Account)} returns the first one broken, or {@code null}:
 * <ul>
 * <li>a live key chain has exactly one of: its first item queued in the run list, or one worker
 *     owning it (and it names that worker); a dead chain is in neither; {@code liveKeys} counts the live;</li>
 * <li>no worker runs hashed work without owning its chain;</li>
 * <li>{@code queue.pending()} equals the items in the run list plus those waiting in the chains;</li>
 * <li>every item in a list is {@code PENDING}, knows its list and is in this account;</li>
 * <li>a worker on the free list is there once, flagged free, not blocked, with no item and no key;
 *     a worker flagged free is on the free list; none on the worker list is retired;</li>
 * <li>{@code running} equals the workers neither free nor blocked;</li>
 * <li>no lost wake-up (while the pool runs): while runnable items wait, fewer than the concurrency
 *     target run and a worker is free or could be made, a worker is on its way (woken or starting:
 *     counted running before it has an item; one that takes an item while more wait wakes the next).</li>
 * </ul>
 * The run list ({@code WorkQueue.runList}) and the key map ({@code Account.keys}) are private to the
 * engine and read here by reflection; everything else is package-private. A chain is <em>live</em>
 * while it holds work; a chain in the key map with none is allowed (a submitter puts it there before it
 * takes the lock, and a refused submission leaves it there).
 */
final class Invariants {

    private static final Field RUN_LIST = field(WorkQueue.class, "runList");
    private static final Field KEYS = field(Account.class, "keys");

    private Invariants() {
    }

    /** Takes {@code a}'s lock and returns its first broken invariant, or {@code null}. */
    static String violation(Account a) {
        a.lock.lock();
        try {
            return check(a);
        } finally {
            a.lock.unlock(); // not Account.unlock(): this look decides nothing to do after the lock
        }
    }

    private static String check(Account a) {
        WorkList runList = (WorkList) read(RUN_LIST, a.queue);
        List<Work<?>> queued = items(runList);
        if (queued.size() != runList.size()) {
            return "run list size is " + runList.size() + " but it links " + queued.size() + " items";
        }
        String bad = listed(a, runList, queued);
        if (bad != null) {
            return bad;
        }

        // Every chain reachable from the key map, the run list or a worker.
        Set<KeyChain> chains = newIdentitySet();
        for (Object c : ((Map<?, ?>) read(KEYS, a)).values()) {
            chains.add((KeyChain) c);
        }
        Map<KeyChain, Integer> heads = new IdentityHashMap<>();
        for (Work<?> w : queued) {
            if (w.chain != null) {
                chains.add(w.chain);
                heads.merge(w.chain, 1, Integer::sum);
            }
        }
        Map<KeyChain, List<Worker>> owners = new IdentityHashMap<>();
        for (Worker w : a.workers) {
            if (w.chain != null) {
                chains.add(w.chain);
                owners.computeIfAbsent(w.chain, c -> new ArrayList<>()).add(w);
            }
        }

        int waiting = 0;
        int live = 0;
        for (KeyChain c : chains) {
            int h = heads.getOrDefault(c, 0);
            List<Worker> o = owners.getOrDefault(c, List.of());
            List<Work<?>> behind = items(c.waiting);
            bad = listed(a, c.waiting, behind);
            if (bad != null) {
                return bad;
            }
            for (Work<?> w : behind) {
                if (w.chain != c || !c.key.equals(w.key())) {
                    return "key " + c.key + ": " + w + " waits in its chain but belongs to another";
                }
            }
            String state = "key " + c.key + " (queued " + c.queued + ", owner " + c.owner + ", dead " + c.dead
                    + ") has " + h + " heads in the run list, owners " + o + ", " + behind.size() + " waiting";
            if (c.dead) {
                if (h != 0 || !o.isEmpty() || !behind.isEmpty() || c.queued || c.owner != null) {
                    return "dead " + state;
                }
                continue;
            }
            boolean inRunList = h == 1 && o.isEmpty() && c.queued && c.owner == null;
            boolean owned = h == 0 && o.size() == 1 && c.owner == o.get(0) && !c.queued;
            boolean unused = h == 0 && o.isEmpty() && !c.queued && c.owner == null && behind.isEmpty();
            if (!inRunList && !owned && !unused) {
                return "live " + state + ": not exactly one of queued head and owner";
            }
            waiting += behind.size();
            live += unused ? 0 : 1;
        }
        if (live != a.queue.liveKeys()) {
            return "liveKeys is " + a.queue.liveKeys() + " but " + live + " keys have work";
        }
        if (a.queue.pending() != queued.size() + waiting) {
            return "pending is " + a.queue.pending() + " but " + queued.size() + " items are in the run list and "
                    + waiting + " wait behind their keys";
        }

        Set<Worker> free = newIdentitySet();
        for (Worker w : a.freeList) {
            if (!free.add(w)) {
                return w + " is on the free list twice";
            }
            if (!w.free || w.blocked || w.current != null || w.chain != null || w.retired || !a.workers.contains(w)) {
                return w + " is on the free list but free " + w.free + ", blocked " + w.blocked + ", in "
                        + w.current + ", owns key " + (w.chain != null ? w.chain.key : null) + ", retired "
                        + w.retired + ", listed " + a.workers.contains(w);
            }
        }
        int counted = 0;
        for (Worker w : a.workers) {
            if (w.free != free.contains(w)) {
                return w + ": free flag " + w.free + " but on the free list " + free.contains(w);
            }
            if (w.retired) {
                return w + " is retired but still on the worker list";
            }
            Work<?> current = w.current;
            if (current != null && current.isHashed() && (w.chain != current.chain || current.chain.owner != w)) {
                return w + " runs hashed " + current + " without owning its key";
            }
            counted += !w.free && !w.blocked ? 1 : 0;
        }
        if (a.running != counted) {
            return "running is " + a.running + " but " + counted + " workers are neither free nor blocked";
        }
        // A worker woken or starting counts as running before it takes anything: each takes one item.
        int onTheirWay = 0;
        for (Worker w : a.workers) {
            onTheirWay += !w.free && !w.blocked && w.current == null ? 1 : 0;
        }
        if (!a.pool.isShutdown() && !queued.isEmpty() && onTheirWay == 0 && a.running < a.concurrency
                && (!a.freeList.isEmpty() || a.workers.size() < a.creation.limit(a.maxWorkers))) {
            return "lost wake-up: " + queued.size() + " runnable items wait for " + onTheirWay
                    + " workers on their way while " + a.running + " of " + a.concurrency + " run, "
                    + a.freeList.size() + " workers are free and " + a.workers.size() + " of " + a.maxWorkers
                    + " exist";
        }
        return null;
    }

    /** Every item of {@code list} says it is there, in this account, and is pending. */
    private static String listed(Account a, WorkList list, List<Work<?>> items) {
        for (Work<?> w : items) {
            if (w.list != list || w.account != a) {
                return w + " is linked in a list of " + a.workClass + " but says it is in another";
            }
            if (!w.isPending()) {
                return w + " is queued but " + w.state();
            }
        }
        return null;
    }

    private static List<Work<?>> items(WorkList list) {
        List<Work<?>> items = new ArrayList<>();
        list.copyTo(items);
        return items;
    }

    private static <T> Set<T> newIdentitySet() {
        return java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    }

    private static Field field(Class<?> type, String name) {
        try {
            Field f = type.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError("the engine has no " + type.getSimpleName() + "." + name
                    + " any more: update Invariants");
        }
    }

    private static Object read(Field f, Object from) {
        try {
            return f.get(from);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }
}
