package io.iowq.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.scheduling.annotation.Async;
import org.springframework.util.ReflectionUtils;

/**
 * A key expression that only names an argument is read off the arguments without SpEL, and gives
 * what SpEL gives over the same call; every other expression is evaluated.
 */
class AsyncWorkAttributesTests {

    private final AsyncWorkAttributes attributes = new AsyncWorkAttributes();

    @Test
    void aKeyThatNamesAnArgumentIsReadWithoutEvaluation() {
        assertThat(attribute("byName").keyArgument()).isEqualTo(1);
        assertThat(attribute("byP").keyArgument()).isEqualTo(1);
        assertThat(attribute("byA").keyArgument()).isEqualTo(0);
        assertThat(attribute("indexBeforeName").keyArgument()).isEqualTo(1);
        assertThat(attribute("nameWhenNoSuchIndex").keyArgument()).isEqualTo(0);
    }

    @Test
    void everyOtherExpressionIsEvaluated() {
        for (String m : List.of("byRoot", "byPath", "literal", "missing", "pastTheArguments", "varargs")) {
            assertThat(attribute(m).keyArgument()).as(m).isEqualTo(-1);
        }
    }

    @Test
    void theKeyReadIsTheKeySpelEvaluates() {
        Object[] args = {"first", 42L};
        for (String m : List.of("byName", "byP", "byA", "indexBeforeName", "byRoot", "byPath", "literal")) {
            AsyncWorkAttributes.Attribute read = attribute(m);
            AsyncWorkAttributes.Attribute evaluated = new AsyncWorkAttributes.Attribute(read.method(), read.key(), -1,
                    read.unbound(), read.description());
            assertThat(attributes.key(read, this, Calls.class, args)).as(m)
                    .isEqualTo(attributes.key(evaluated, this, Calls.class, args));
        }
        assertThat(attributes.key(attribute("byName"), this, Calls.class, args)).isEqualTo(42L);
        assertThat(attributes.key(attribute("indexBeforeName"), this, Calls.class, args)).isEqualTo(42L);
        AsyncWorkAttributes.Attribute byName = attribute("nameWhenNoSuchIndex");
        assertThat(attributes.key(byName, this, Calls.class, new Object[] {"only"})).isEqualTo("only")
                .isEqualTo(attributes.key(new AsyncWorkAttributes.Attribute(byName.method(), byName.key(), -1,
                        false, byName.description()), this, Calls.class, new Object[] {"only"}));
    }

    @Test
    void aNullArgumentIsANullKey() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> attributes.key(attribute("byName"), this, Calls.class, new Object[] {"x", null}))
                .withMessageContaining("evaluated to null");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> attributes.key(attribute("missing"), this, Calls.class, new Object[] {"x", 1L}))
                .withMessageContaining("evaluated to null");
    }

    private AsyncWorkAttributes.Attribute attribute(String name) {
        Method method = ReflectionUtils.findMethod(Calls.class, name, (Class<?>[]) null);
        return attributes.get(method, Calls.class);
    }

    @SuppressWarnings("unused")
    static class Calls {
        @Async
        @Hashed("#account")
        void byName(String name, Long account) {
        }

        @Async
        @Hashed("#p1")
        void byP(String name, Long account) {
        }

        @Async
        @Hashed(" #a0 ")
        void byA(String name, Long account) {
        }

        /** SpEL binds {@code pN} after the parameters' names: the second argument, not the one named p1. */
        @Async
        @Hashed("#p1")
        void indexBeforeName(String p1, Long account) {
        }

        /** With no second argument, {@code #p1} is the parameter of that name. */
        @Async
        @Hashed("#p1")
        void nameWhenNoSuchIndex(String p1) {
        }

        @Async
        @Hashed("#root.args[1]")
        void byRoot(String name, Long account) {
        }

        @Async
        @Hashed("#name.length()")
        void byPath(String name, Long account) {
        }

        @Async
        @Hashed("'ledger'")
        void literal(String name, Long account) {
        }

        @Async
        @Hashed("#nobody")
        void missing(String name, Long account) {
        }

        @Async
        @Hashed("#p2")
        void pastTheArguments(String name, Long account) {
        }

        @Async
        @Hashed("#names")
        void varargs(String... names) {
        }
    }
}
