package io.iowq.core;

/**
 * The two classes of work, each with its own account: the seed's
 * {@code IO_WQ_ACCT_BOUND} and {@code IO_WQ_ACCT_UNBOUND}.
 */
public enum WorkClass {

    /** Work whose blocking is bounded (disk, short locks, CPU): few workers, sized to the CPUs. */
    BOUND,

    /** Work that may block without bound (network, remote calls): counted against the thread limit. */
    UNBOUND;

    /** Lower-case name, as used in stats, meters and properties. */
    public String tag() {
        return this == BOUND ? "bounded" : "unbounded";
    }
}
