package io.iowq.bench;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The Spring contexts the Spring-level scenario compares: one {@link SpringAsyncApp} each, as Spring
 * Boot 4 auto-configures it with the peer's properties. Every peer has the same class path (iowq's
 * starter, Actuator, Micrometer with the Prometheus registry); a peer "without Actuator" excludes
 * the auto-configurations of Actuator, health and Micrometer (and iowq's own), which is what their
 * absence from the class path would leave.
 */
enum SpringPeer {

    BOOT_TPE("boot-tpe", "Spring Boot's default ThreadPoolTaskExecutor, as TaskExecutionAutoConfiguration builds "
            + "it (core 8, unbounded queue); iowq's auto-configuration excluded", false, "iowq.enabled=false"),
    BOOT_VTHREADS("boot-vthreads", "Spring Boot with spring.threads.virtual.enabled=true: SimpleAsyncTaskExecutor "
            + "on virtual threads (JDK 25); iowq's auto-configuration excluded", false, "iowq.enabled=false",
            "spring.threads.virtual.enabled=true"),
    IOWQ("iowq", "iowq's starter with its defaults, without Actuator and Micrometer", false),
    IOWQ_VTHREADS("iowq-vthreads", "iowq's starter with spring.threads.virtual.enabled=true: its workers are "
            + "virtual threads (JDK 25); without Actuator and Micrometer", false, "spring.threads.virtual.enabled=true"),
    IOWQ_METRICS("iowq-metrics", "iowq's starter with its defaults, with Actuator and Micrometer (Prometheus "
            + "registry): its meters bound, the timers iowq.work.wait and iowq.work.duration among them", true),
    STRIPED("striped", "keyed calls written by hand for Boot's executor: each call handed to the stripe of its key "
            + "(8 single-thread executors, BookKeeper's OrderedExecutor design); iowq's auto-configuration excluded", false,
            "iowq.enabled=false", "bench.striped=true"),
    /** Not a peer: the starter's interceptor over an executor that never runs the work (for the cost of the layers). */
    DROPPING("dropping", "iowq's interceptor over an IoWqExecutor that drops the work", false, "bench.dropping=true");

    final String id;
    final String description;
    private final boolean actuator;
    private final String[] properties;

    SpringPeer(String id, String description, boolean actuator, String... properties) {
        this.id = id;
        this.description = description;
        this.actuator = actuator;
        this.properties = properties;
    }

    static SpringPeer byId(String id) {
        for (SpringPeer p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no Spring peer " + id);
    }

    /** Starts this peer's application context (no web server). */
    ConfigurableApplicationContext start() {
        List<String> props = new ArrayList<>(List.of(properties));
        props.add("spring.main.banner-mode=off");
        props.add("spring.main.log-startup-info=false");
        props.add("logging.level.root=warn");
        List<String> excluded = actuator ? new ArrayList<>() : operationsAutoConfigurations();
        if (props.contains("iowq.enabled=false")) {
            // Boot without iowq at all, as its users have it: iowq.enabled=false alone refuses to start
            // beside @Hashed and @Unbounded methods (they would lose their meaning on Boot's executor)
            props.remove("iowq.enabled=false");
            excluded.addAll(iowqAutoConfigurations());
        }
        if (!excluded.isEmpty()) {
            props.add("spring.autoconfigure.exclude=" + String.join(",", excluded));
        }
        return new SpringApplicationBuilder(SpringAsyncApp.class)
                .web(WebApplicationType.NONE)
                .properties(props.toArray(String[]::new))
                .run();
    }

    /** Every auto-configuration of iowq's own. */
    private static List<String> iowqAutoConfigurations() {
        return autoConfigurations(name -> name.startsWith("io.iowq."));
    }

    /** Every auto-configuration of Actuator, health, Micrometer and iowq's own operations support. */
    private static List<String> operationsAutoConfigurations() {
        return autoConfigurations(name -> name.startsWith("org.springframework.boot.actuate.")
                || name.startsWith("org.springframework.boot.health.") || name.startsWith("org.springframework.boot.micrometer.")
                || name.startsWith("io.iowq.actuate."));
    }

    private static List<String> autoConfigurations(java.util.function.Predicate<String> which) {
        List<String> names = new ArrayList<>();
        for (String name : ImportCandidates.load(AutoConfiguration.class, SpringPeer.class.getClassLoader())) {
            if (which.test(name)) {
                names.add(name);
            }
        }
        return names;
    }
}
