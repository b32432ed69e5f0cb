package io.iowq.core;

/**
 * A snapshot of the pool, with everything the Actuator contract shows. Each class's figures are
 * read under its account's lock (consistent per class); the counters are read after them, so
 * {@code submitted} can only be ahead of the sum of the rest.
 *
 * @param bounded   the bound class
 * @param unbounded the unbound class
 * @param pending   items queued or waiting behind their key
 * @param activeKeys keys with work queued or running
 * @param submitted items accepted (links included)
 * @param completed items that returned normally
 * @param failed    items that threw
 * @param cancelled items cancelled
 * @param rejected  items refused at submission
 * @param creationFailures worker threads that could not be created
 */
public record IoWqStats(ClassStats bounded, ClassStats unbounded, long pending, long activeKeys,
                        long submitted, long completed, long failed, long cancelled, long rejected,
                        long creationFailures) {

    /** The class's figures. */
    public ClassStats of(WorkClass workClass) {
        return workClass == WorkClass.BOUND ? bounded : unbounded;
    }

    /**
     * One class's figures.
     *
     * @param maxWorkers  most workers
     * @param concurrency running workers aimed for
     * @param workers     live workers (including starting ones)
     * @param running     workers in work and not blocked, or about to take work
     * @param idle        workers on the free list
     * @param blocked     workers in work and blocked
     * @param pending     items queued or waiting behind their key
     * @param activeKeys  keys with work queued or running
     * @param workerLimit the most workers the class may have now: {@code maxWorkers}, or fewer while
     *                    the system refuses new threads (then as many as it had at the last refusal)
     */
    public record ClassStats(int maxWorkers, int concurrency, int workers, int running, int idle, int blocked,
                             long pending, long activeKeys, int workerLimit) {

        /** Whether the system refused threads lately, so the class is held below {@code maxWorkers}. */
        public boolean creationLimited() {
            return workerLimit < maxWorkers;
        }
    }
}
