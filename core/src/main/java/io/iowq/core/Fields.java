package io.iowq.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/** {@link VarHandle}s on the engine's own fields, for the atomic and ordered accesses they need. */
final class Fields {

    private Fields() {
    }

    /** The handle on the field {@code name} of the class {@code lookup} was made in. */
    static VarHandle of(MethodHandles.Lookup lookup, String name, Class<?> type) {
        try {
            return lookup.findVarHandle(lookup.lookupClass(), name, type);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
