# One recipe for either service, built from the whole reactor as it is: no module is named here,
# so a module or a shared resource folder added to the tree is in the build without an edit.
#   docker build --build-arg SERVICE=service-a -t lab1/service-a .
#   docker build --build-arg SERVICE=service-b -t lab1/service-b .
# docker-compose.yml builds both; scripts/compose-check.sh builds them on Debian stand-ins for
# the base images (Docker Hub is not reachable there) and plays the three proofs in containers.

# Real, pinned upstream images; the check passes stand-ins with --build-arg.
ARG JDK_IMAGE=eclipse-temurin:17.0.16_8-jdk-noble
ARG JRE_IMAGE=eclipse-temurin:17.0.16_8-jre-noble

# --- poms: the tree without its sources, derived from the tree itself --------------------------
# What Maven needs to resolve the build: the wrapper, .mvn/ and every pom.xml. When only sources
# change this stage's output is the same, so the dependency layer below stays cached.
FROM ${JDK_IMAGE} AS poms
WORKDIR /src
COPY . .
RUN find . -type f ! -name pom.xml ! -name mvnw ! -path './.mvn/*' -delete \
 && find . -type d -empty -delete

# --- build: dependencies for the whole reactor once, then this service and what it needs -------
FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY --from=poms /src ./
# Before ARG SERVICE on purpose: both images share this layer instead of downloading twice.
RUN ./mvnw -B -ntp dependency:go-offline
ARG SERVICE=service-a
COPY . .
RUN ./mvnw -B -ntp -pl "${SERVICE}" -am package -Dmaven.test.skip=true
# Spring Boot's layers, from least to most often changed, extracted for class data sharing (an
# application jar named application.jar with its lib/ beside it, not the launcher: the JVM can map
# classes only from plain jars). Without the launcher the spring-boot-loader layer is empty, and the
# snapshot-dependencies layer usually is; the legacy builder cannot COPY an empty folder ("layer
# does not exist"), so both are folded into the application layer, which also changes often. Any
# other layer (a custom layers.xml) stops the build here rather than being left out of the image.
# The health check probes this service's own Actuator port: management.server.port of its
# application.yml when it sets one (B), else its server.port (A).
RUN jar="$(ls "${SERVICE}"/target/"${SERVICE}"-*.jar)" \
 && java -Djarmode=tools -jar "$jar" extract --layers --application-filename application.jar --destination /layers \
 && layers="$(java -Djarmode=tools -jar "$jar" list-layers | sort | tr '\n' ' ')" \
 && if [ "$layers" != "application dependencies snapshot-dependencies spring-boot-loader " ]; then \
      echo "unexpected Spring Boot layers: $layers (update the Dockerfile's COPY lines)" >&2; exit 1; fi \
 && mkdir -p /layers/snapshot-dependencies /layers/spring-boot-loader \
 && cp -a /layers/snapshot-dependencies/. /layers/spring-boot-loader/. /layers/application/ \
 && mkdir /healthcheck /run-files \
 && cp docker/healthcheck.sh /healthcheck/ \
 && cp docker/entrypoint.sh /run-files/ \
 && sed 's/#.*//' scripts/jvm-options | xargs > /run-files/jvm-options \
 && grep -q -- '-Xmx' /run-files/jvm-options \
 || { echo "no heap size in scripts/jvm-options" >&2; exit 1; } \
 && awk '/^[^[:space:]#]/ { top = $1 } top == "server:" && /^  port:/ { print $2; exit }' \
      "${SERVICE}/src/main/resources/application.yml" > /healthcheck/default-port \
 && grep -Eq '^[0-9]+$' /healthcheck/default-port \
 || { echo "no server.port in ${SERVICE}'s application.yml" >&2; exit 1; } \
 && awk '/^[^[:space:]#]/ { top = $1 } top == "management:" && /^  [^[:space:]#]/ { second = $1 } \
         top == "management:" && second == "server:" && /^    port:/ { print $2; exit }' \
      "${SERVICE}/src/main/resources/application.yml" > /healthcheck/management-port \
 && { [ ! -s /healthcheck/management-port ] || grep -Eqx '[0-9]+' /healthcheck/management-port; } \
 || { echo "management.server.port in ${SERVICE}'s application.yml is not a number" >&2; exit 1; }

# --- run: a JRE image with the layers, as a non-root user --------------------------------------
FROM ${JRE_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin app
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/application/ ./
COPY --from=build /healthcheck/ /opt/healthcheck/
# The JVM flags are the README's, from their one file, scripts/jvm-options (a 96 MB heap: the
# services fit a 384 MB container, docs/benchmarks.md); docker/entrypoint.sh starts the JVM with
# them, or with JAVA_OPTS in their place. glibc's per-thread malloc arenas would inflate native memory.
COPY --from=build /run-files/ /app/
ENV MALLOC_ARENA_MAX=2
# Class data sharing (Spring Boot's CDS support): a training run on this JRE, with these options,
# refreshes the context and exits (no port is bound), recording the classes a start loads; every
# start then maps them instead of loading them: about 40 % less start-up, for an archive of 50 MB
# (A) or 57 MB (B) in the image and about 10 s of build per service (docs/benchmarks.md). A JVM that cannot use the archive warns and starts
# without it; the second run (-Xshare:on fails instead) proves here that this one can.
RUN java $(cat jvm-options) -XX:ArchiveClassesAtExit=application.jsa -Dspring.context.exit=onRefresh -jar application.jar > /dev/null \
 && java $(cat jvm-options) -Xshare:on -XX:SharedArchiveFile=application.jsa -Dspring.context.exit=onRefresh -jar application.jar > /dev/null
USER 10001:10001
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/opt/healthcheck/healthcheck.sh"]
ENTRYPOINT ["/app/entrypoint.sh"]
