package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;

/** {@code management.endpoint.iowq.access=read-only} leaves only the reads on the JMX MBean too. */
@SpringBootTest(classes = ActuateTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
                "spring.jmx.enabled=true",
                "management.endpoints.jmx.exposure.include=iowq",
                "management.endpoints.jmx.domain=io.iowq.test.jmx.readonly",
                "management.endpoint.iowq.access=read-only",
                "iowq.shutdown.await-termination=1s"
        })
@DirtiesContext // closed after the class, so its threads do not linger: no other class reuses this context
class IoWqEndpointJmxReadOnlyTests {

    @Autowired
    private MBeanServer mBeanServer;

    @Test
    void onlyTheReadOperationsAreThere() throws Exception {
        ObjectName name = new ObjectName("io.iowq.test.jmx.readonly:type=Endpoint,name=Iowq");

        MBeanOperationInfo[] operations = mBeanServer.getMBeanInfo(name).getOperations();

        assertThat(Arrays.stream(operations).map(MBeanOperationInfo::getName))
                .containsExactlyInAnyOrder("stats", "work");
    }
}
