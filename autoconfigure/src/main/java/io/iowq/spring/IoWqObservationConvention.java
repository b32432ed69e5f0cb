package io.iowq.spring;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and tags the {@code iowq.work} observations. A bean of this type replaces
 * {@link DefaultIoWqObservationConvention}, as Spring's own conventions are replaced; extend the
 * default to add to its tags.
 */
public interface IoWqObservationConvention extends ObservationConvention<IoWqObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof IoWqObservationContext;
    }
}
