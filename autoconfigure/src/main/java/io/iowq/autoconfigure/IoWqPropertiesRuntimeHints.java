package io.iowq.autoconfigure;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.boot.context.properties.bind.BindableRuntimeHintsRegistrar;

/**
 * Binding hints for the {@code iowq.*} properties classes (their constructors, getters and setters,
 * nested classes included), so the binder can fill them in an AOT-processed or native application
 * whatever bean registration brought them.
 */
public class IoWqPropertiesRuntimeHints implements RuntimeHintsRegistrar {

    @Override
    public void registerHints(RuntimeHints hints, ClassLoader classLoader) {
        BindableRuntimeHintsRegistrar.forTypes(IoWqProperties.class, IoWqObservationProperties.class).registerHints(hints, classLoader);
    }
}
