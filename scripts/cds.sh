#!/usr/bin/env bash
# Prepares a service's jar for a fast start with class data sharing (Spring Boot's CDS support):
#   1. extracts it (java -Djarmode=tools -jar X.jar extract) into cds/ beside the jar: the
#      application jar plus lib/, a layout the JVM can map classes from (a nested jar is not);
#   2. records the classes a start loads into cds/application.jsa with a training run that
#      refreshes the Spring context and exits (-Dspring.context.exit=onRefresh: no port is bound).
# Then start it, from any folder, with the same JAVA_OPTS and the absolute paths --print-args gives:
#   java $JAVA_OPTS -XX:SharedArchiveFile="$PWD/service-a/target/cds/application.jsa" -jar "$PWD/service-a/target/cds/service-a-1.0.0-SNAPSHOT.jar"
# The archive belongs to this JVM, these JAVA_OPTS and this path: a JVM that cannot use it starts
# without it, only slower. So it is redone for a jar newer than its archive, and for another JVM or
# other JAVA_OPTS than it was recorded with (noted in cds/recorded-with).
# Usage: [JAVA=/path/to/bin/java] scripts/cds.sh [--print-args] [JAR...]
#   default: both services' jars (about 10 s each); JAVA: the java that will start them (default: java).
#   --print-args: then print, a line per jar, the java arguments that start it with its archive
#   (what comes after JAVA_OPTS), separated by tabs: a path may hold spaces. So no script spells the
#   layout out again; a script reads a line with  IFS=$'\t' read -r -a ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

PRINT_ARGS=0
if [[ ${1:-} == --print-args ]]; then PRINT_ARGS=1; shift; fi

JAVA_OPTS=${JAVA_OPTS:-$(sed 's/#.*//' scripts/jvm-options | xargs)}   # the README's flags, from their one place
JAVA=${JAVA:-java}
RECORDED_WITH="$("$JAVA" -version 2>&1 | tr '\n' ' ')| $JAVA_OPTS"
JARS=("$@")
(( ${#JARS[@]} )) || JARS=(service-a/target/service-a-1.0.0-SNAPSHOT.jar service-b/target/service-b-1.0.0-SNAPSHOT.jar)

# The archive records the class path as the training run gave it, and Java 17 then maps it only for
# that same path: absolute, so that it can be started from any directory.
cds_dir() { echo "$(CDPATH='' cd "$(dirname "$1")" && pwd -P)/cds"; }

for jar in "${JARS[@]}"; do
  [[ -f $jar ]] || { echo "$jar is missing: ./mvnw package -DskipTests first" >&2; exit 1; }
  dir=$(cds_dir "$jar")
  if [[ -f $dir/application.jsa && $dir/application.jsa -nt $jar \
        && $(cat "$dir/recorded-with" 2> /dev/null) == "$RECORDED_WITH $dir" ]]; then
    continue
  fi
  echo "class data sharing: extracting $jar and recording its archive (about 10 s)" >&2
  rm -rf "$dir"
  "$JAVA" -Djarmode=tools -jar "$jar" extract --destination "$dir" > /dev/null
  # shellcheck disable=SC2086
  if ! "$JAVA" $JAVA_OPTS -XX:ArchiveClassesAtExit="$dir/application.jsa" -Dspring.context.exit=onRefresh \
      -jar "$dir/$(basename "$jar")" > "$dir/training.log" 2>&1 || [[ ! -s $dir/application.jsa ]]; then
    rm -f "$dir/application.jsa"
    echo "the training run of $jar failed: see $dir/training.log" >&2; exit 1
  fi
  echo "$RECORDED_WITH $dir" > "$dir/recorded-with"
done

if (( PRINT_ARGS )); then
  for jar in "${JARS[@]}"; do
    dir=$(cds_dir "$jar")
    printf '%s\t%s\t%s\n' "-XX:SharedArchiveFile=$dir/application.jsa" -jar "$dir/$(basename "$jar")"
  done
fi
