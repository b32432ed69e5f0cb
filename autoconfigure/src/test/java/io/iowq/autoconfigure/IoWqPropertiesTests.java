package io.iowq.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class IoWqPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(IoWqAutoConfiguration.class, TaskExecutionAutoConfiguration.class));

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            iowq.bounded.max-workers        | 0     | an integer of at least 1
            iowq.bounded.concurrency        | 0     | an integer of at least 1
            iowq.unbounded.max-workers      | -1    | an integer of at least 1
            iowq.unbounded.concurrency      | 0     | an integer of at least 1
            iowq.nodes                      | 0     | an integer of at least 1 (it has no effect
            iowq.thread-limit               | 0     | an integer of at least 1
            iowq.idle-timeout               | -1s   | a duration of zero or more
            iowq.idle-timeout               | 9504000000s | a duration of zero or more, up to 292 years
            iowq.shutdown.await-termination | -5s   | a duration of zero or more
            iowq.bounded.max-workers        | lots  | an integer of at least 1
            iowq.unbounded.concurrency      | 1.5   | an integer of at least 1
            iowq.idle-timeout               | soon  | a duration of zero or more
            iowq.shutdown.await-termination | later | a duration of zero or more
            iowq.nodes                      | two   | an integer of at least 1 (it has no effect
            iowq.thread-limit               | many  | an integer of at least 1
            iowq.observe-blocking           | maybe | true or false
            """)
    void anInvalidValueStopsStartUpWithAnAnalysisNamingThePropertyTheValueAndWhatIsAllowed(
            String property, String value, String allowed) {
        runner.withPropertyValues(property + "=" + value).run(context -> {
            assertThat(context).hasFailed();
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).contains("'" + property + "'", "'" + value + "'", "Allowed: " + allowed);
            assertThat(analysis.getAction()).contains(property);
        });
    }

    @Test
    void concurrencyAboveAnExplicitMaximumIsRefused() {
        runner.withPropertyValues("iowq.bounded.max-workers=4", "iowq.bounded.concurrency=5").run(context -> {
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("'iowq.bounded.concurrency'", "'5'",
                    "an integer from 1 to iowq.bounded.max-workers (4)");
        });
    }

    @Test
    void concurrencyAboveTheDefaultMaximumIsRefusedNamingThatDefault() {
        int defaultMax = IoWqConfig.builder().build().maxWorkers(WorkClass.BOUND);
        runner.withPropertyValues("iowq.bounded.concurrency=" + (defaultMax + 1)).run(context -> {
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getDescription()).contains("'iowq.bounded.concurrency'", "'" + (defaultMax + 1) + "'",
                    "(" + defaultMax + " by default on this machine)");
        });
    }

    @Test
    void validBoundaryValuesAreAccepted() {
        runner.withPropertyValues("iowq.bounded.max-workers=1", "iowq.bounded.concurrency=1", "iowq.idle-timeout=0s",
                "iowq.shutdown.await-termination=0s", "iowq.thread-limit=1")
                .run(context -> assertThat(context).hasNotFailed());
    }

    @ParameterizedTest(name = "iowq.nodes={0}")
    @ValueSource(ints = {1, 2})
    void theDeprecatedNodesStartsOnePoolThatWorksAndIsLoggedAsHavingNoEffect(int nodes, CapturedOutput output) {
        runner.withPropertyValues("iowq.nodes=" + nodes).run(context -> {
            assertThat(context).hasNotFailed();
            IoWqExecutor executor = context.getBean(IoWqExecutor.class);
            assertThat(executor.submit(() -> "ran").get(30, TimeUnit.SECONDS)).isEqualTo("ran");
            assertThat(executor.stats().bounded().workers()).isEqualTo(1);
            assertThat(output).contains("iowq.nodes=" + nodes + " has no effect and is deprecated: iowq has one work "
                    + "queue per class for the whole machine, as io-wq has since Linux 6.4. Remove it.");
        });
    }

    @Test
    void aZeroNodesIsStillRefusedAndTheWayOutIsToRemoveIt() {
        runner.withPropertyValues("iowq.nodes=0").run(context -> {
            FailureAnalysis analysis = new IoWqPropertiesFailureAnalyzer().analyze(context.getStartupFailure());
            assertThat(analysis.getAction()).startsWith("Remove iowq.nodes").contains("deprecated");
        });
    }

    @Test
    void theAnalyzerLeavesOtherFailuresToOthers() {
        assertThat(new IoWqPropertiesFailureAnalyzer().analyze(new IllegalStateException("unrelated"))).isNull();
    }

    @Test
    void theMetadataInTheBuiltArtifactDescribesEveryPropertyWithItsDefault() throws Exception {
        String json = metadata();
        Map<String, Object> expectedDefaults = Map.of("iowq.enabled", true, "iowq.idle-timeout", "5s",
                "iowq.thread-name-prefix", "iowq-", "iowq.shutdown.await-termination", "30s",
                "iowq.observe-blocking", true);
        for (String name : List.of("iowq.enabled", "iowq.bounded.max-workers", "iowq.bounded.concurrency",
                "iowq.unbounded.max-workers", "iowq.unbounded.concurrency", "iowq.idle-timeout", "iowq.nodes",
                "iowq.thread-name-prefix", "iowq.shutdown.await-termination", "iowq.observe-blocking",
                "iowq.thread-limit")) {
            List<Map<String, Object>> entries = JsonPath.read(json, "$.properties[?(@.name == '" + name + "')]");
            assertThat(entries).as(name).hasSize(1);
            assertThat((String) entries.get(0).get("description")).as(name + " description").isNotBlank();
            if (expectedDefaults.containsKey(name)) {
                assertThat(entries.get(0).get("defaultValue")).as(name + " default").isEqualTo(expectedDefaults.get(name));
            }
        }
        List<String> maxWorkers = JsonPath.read(json, "$.properties[?(@.name == 'iowq.bounded.max-workers')].description");
        assertThat(maxWorkers.get(0)).contains("4 x the number of CPUs");
    }

    @Test
    void theMetadataMarksNodesDeprecatedWithItsReason() throws Exception {
        List<Map<String, Object>> entries = JsonPath.read(metadata(), "$.properties[?(@.name == 'iowq.nodes')]");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0)).containsEntry("deprecated", true);
        @SuppressWarnings("unchecked")
        Map<String, Object> deprecation = (Map<String, Object>) entries.get(0).get("deprecation");
        assertThat(deprecation).containsEntry("since", "0.1.0");
        assertThat((String) deprecation.get("reason")).contains("one work queue per class", "no effect");
    }

    @Test
    void theMetadataDescribesEachClassOnItsOwnListsTheHealthSwitchAndHasOneIowqGroup() throws Exception {
        String json = metadata();
        for (String property : List.of("max-workers", "concurrency")) {
            String bounded = description(json, "iowq.bounded." + property);
            String unbounded = description(json, "iowq.unbounded." + property);
            assertThat(bounded).as(property).isNotEqualTo(unbounded).contains("bound").doesNotContain("unbound");
            assertThat(unbounded).as(property).contains("unbound");
        }
        assertThat(description(json, "iowq.unbounded.max-workers")).contains("per user");
        assertThat(description(json, "iowq.thread-limit")).contains("user").doesNotContain("the process may have");
        List<Map<String, Object>> health = JsonPath.read(json,
                "$.properties[?(@.name == 'management.health.iowq.enabled')]");
        assertThat(health).hasSize(1);
        assertThat(health.get(0)).containsEntry("type", "java.lang.Boolean").containsEntry("defaultValue", true);
        List<String> groups = JsonPath.read(json, "$.groups[?(@.name == 'iowq')].type");
        assertThat(groups).containsExactly(IoWqProperties.class.getName());
    }

    private static String description(String json, String name) {
        List<String> found = JsonPath.read(json, "$.properties[?(@.name == '" + name + "')].description");
        assertThat(found).as(name).hasSize(1);
        return found.get(0);
    }

    /** The metadata the configuration processor wrote into this module's classes (what the jar packs). */
    private static String metadata() throws Exception {
        for (URL url : Collections.list(IoWqPropertiesTests.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (json.contains("io.iowq.autoconfigure.IoWqProperties")) {
                    return json;
                }
            }
        }
        throw new AssertionError("no iowq configuration metadata on the class path");
    }
}
