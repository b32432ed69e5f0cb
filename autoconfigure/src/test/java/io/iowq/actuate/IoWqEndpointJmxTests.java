package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/** The {@code iowq} endpoint over JMX, exposed as other endpoints are. */
@SpringBootTest(classes = ActuateTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
                "spring.jmx.enabled=true",
                "management.endpoints.jmx.exposure.include=iowq",
                "management.endpoints.jmx.domain=io.iowq.test.jmx",
                "iowq.shutdown.await-termination=1s"
        })
@DirtiesContext // closed after the class, so its threads do not linger: no other class reuses this context
class IoWqEndpointJmxTests {

    @Autowired
    private MBeanServer mBeanServer;

    @Autowired
    private IoWqExecutor executor;

    private int boundedMax;

    @AfterEach
    void restore() {
        if (boundedMax > 0) {
            executor.setMaxWorkers(WorkClass.BOUND, boundedMax);
        }
    }

    @Test
    void statsCancelAndResizeAreOperationsOfTheEndpointMBean() throws Exception {
        ObjectName name = new ObjectName("io.iowq.test.jmx:type=Endpoint,name=Iowq");
        boundedMax = executor.stats().bounded().maxWorkers();

        Map<String, Object> stats = map( mBeanServer.invoke(name, "stats", new Object[0], new String[0]));
        assertThat(stats).containsKeys("nodes", "bounded", "unbounded", "pending", "submitted", "rejected");

        Map<String, Object> cancel = map(mBeanServer.invoke(name, "cancel", new Object[] {"work", "424242"},
                new String[] {String.class.getName(), Object.class.getName()}));
        assertThat(cancel).containsEntry("result", "NOT_FOUND");

        Map<String, Object> resized = map(mBeanServer.invoke(name, "resize", new Object[] {2, null},
                new String[] {Integer.class.getName(), Integer.class.getName()}));
        assertThat(map(resized.get("bounded"))).containsEntry("maxWorkers", 2);

        assertThatThrownBy(() -> mBeanServer.invoke(name, "cancel", new Object[] {"work", "abc"},
                new String[] {String.class.getName(), Object.class.getName()}))
                .isInstanceOf(ReflectionException.class)
                .cause().isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a work id must be a number, was 'abc'");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }
}
