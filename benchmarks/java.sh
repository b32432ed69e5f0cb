# Sourced by benchmarks/run and benchmarks/handoff-placement: sets $java to the JDK the benchmarks
# run on: $BENCH_JAVA_HOME if set, else JDK 25 where this machine keeps it, else the default java
# (then without the virtual-thread peer before JDK 21).
jdk25=/usr/lib/jvm/temurin-25-jdk-amd64
if [ -n "${BENCH_JAVA_HOME:-}" ]; then
  java="$BENCH_JAVA_HOME/bin/java"
elif [ -x "$jdk25/bin/java" ]; then
  java="$jdk25/bin/java"
else
  java=java
fi
