package io.iowq.actuate;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.iowq.core.IoWqConfig;
import io.iowq.core.WorkClass;
import io.iowq.spring.IoWqExecutor;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The importable Grafana dashboard {@code docs/grafana/iowq-dashboard.json} parses, and every PromQL
 * query in it names series that iowq publishes: the names are read from a Prometheus scrape of a real
 * {@link IoWqMeterBinder}, not from a list written here.
 */
class GrafanaDashboardTests {

    private static final Path DASHBOARD = Path.of("..", "docs", "grafana", "iowq-dashboard.json");
    private static final Pattern METRIC = Pattern.compile("\\b((?:iowq|executor)_[a-z_]+)\\b");
    private static final Pattern BY = Pattern.compile("by \\(([a-z_, ]+)\\)");

    private final IoWqWorkTimers timers = new IoWqWorkTimers();
    private final IoWqExecutor executor = new IoWqExecutor(IoWqConfig.builder().recordTimes(true)
            .maxWorkers(WorkClass.BOUND, 2).listener(timers).build());

    @AfterEach
    void shutDown() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void everyQueryOfTheDashboardNamesSeriesAndLabelsThatIowqPublishes() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LongRunningWorkMonitor longRunning = new LongRunningWorkMonitor(Duration.ofHours(1),
                () -> Map.of("applicationTaskExecutor", executor));
        new IoWqMeterBinder("applicationTaskExecutor", executor, timers, longRunning).bindTo(registry);
        executor.submit(() -> "done").get(30, TimeUnit.SECONDS);
        String scrape = registry.scrape();
        Set<String> published = scrape.lines().filter(l -> !l.startsWith("#") && !l.isBlank())
                .map(l -> l.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        assertThat(published).contains("iowq_workers", "iowq_work_total", "executor_active_threads");

        String json = Files.readString(DASHBOARD);
        List<String> queries = JsonPath.read(json, "$.panels[*].targets[*].expr");
        List<String> variables = JsonPath.read(json, "$.templating.list[?(@.type == 'query')].definition");
        assertThat(queries).hasSizeGreaterThanOrEqualTo(9);
        Set<String> used = new TreeSet<>();
        for (String query : concat(queries, variables)) {
            Matcher m = METRIC.matcher(query);
            Set<String> named = new TreeSet<>();
            while (m.find()) {
                named.add(m.group(1));
            }
            assertThat(named).as(query).isNotEmpty();
            assertThat(published).as(query).containsAll(named);
            used.addAll(named);
            Matcher by = BY.matcher(query);
            while (by.find()) {
                for (String label : by.group(1).split(",\\s*")) {
                    for (String metric : named) {
                        assertThat(scrape).as(label + " on " + metric + " in " + query)
                                .containsPattern("(?m)^" + metric + "\\{[^}]*\\b" + label + "=\"");
                    }
                }
            }
        }
        Set<String> iowqFamilies = published.stream().filter(n -> n.startsWith("iowq_"))
                .map(n -> n.replaceAll("_seconds_(count|sum|max)$", "")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> usedFamilies = used.stream().map(n -> n.replaceAll("_seconds_(count|sum|max)$", ""))
                .collect(Collectors.toSet());
        assertThat(usedFamilies).as("every iowq meter has a panel").containsAll(iowqFamilies);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
