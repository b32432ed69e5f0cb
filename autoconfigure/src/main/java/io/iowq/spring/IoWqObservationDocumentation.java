package io.iowq.spring;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/** The {@code iowq.work} observation: one per item, from its submission to its end. */
public enum IoWqObservationDocumentation implements ObservationDocumentation {

    /**
     * An item, from its submission (in the submitter's thread, a child of the submitter's
     * observation) to its end; while it runs, it is the current observation of its worker.
     */
    WORK {
        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultIoWqObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return LowCardinalityKeyNames.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return HighCardinalityKeyNames.values();
        }

        @Override
        public Observation.Event[] getEvents() {
            return Events.values();
        }
    };

    /** Tags with few values. */
    public enum LowCardinalityKeyNames implements KeyName {

        /** The work class: bounded or unbounded. */
        CLASS {
            @Override
            public String asString() {
                return "class";
            }
        },

        /** Whether the item is hashed: true or false. */
        HASHED {
            @Override
            public String asString() {
                return "hashed";
            }
        },

        /** How it ended: completed, failed, cancelled or rejected (unknown until it ends). */
        OUTCOME {
            @Override
            public String asString() {
                return "outcome";
            }
        },

        /** The {@code @Async} method ({@code SimpleClassName.method}), or none. */
        METHOD {
            @Override
            public String asString() {
                return "method";
            }
        }
    }

    /** Tags with a value per item. */
    public enum HighCardinalityKeyNames implements KeyName {

        /** The key's string form (hashed work only). */
        KEY {
            @Override
            public String asString() {
                return "key";
            }
        },

        /** The pool's work id. */
        ID {
            @Override
            public String asString() {
                return "id";
            }
        }
    }

    /** What happens to an item between its submission and its end. */
    public enum Events implements Observation.Event {

        /** The pool is given the item (it may still refuse it: outcome rejected). */
        QUEUED {
            @Override
            public String getName() {
                return "queued";
            }
        },

        /** A worker started it. */
        STARTED {
            @Override
            public String getName() {
                return "started";
            }
        },

        /** Its task told the pool it blocks ({@code Blocking.call}): its worker no longer counts as running. */
        BLOCKED_TOLD {
            @Override
            public String getName() {
                return "blocked.told";
            }
        },

        /** The pool saw its worker blocked (asleep, waiting, or in native I/O without progress). */
        BLOCKED_OBSERVED {
            @Override
            public String getName() {
                return "blocked.observed";
            }
        },

        /** It was cancelled: removed while pending, or interrupted while running. */
        CANCELLED {
            @Override
            public String getName() {
                return "cancelled";
            }
        }
    }
}
