# One recipe for both services (multi-stage, layered, non-root):
#   docker build --build-arg SERVICE=service-a -t lab1/service-a .
#   docker build --build-arg SERVICE=service-b -t lab1/service-b .
# docker-compose.yml builds both.

# --- build: the Maven wrapper in a JDK image --------------------------------------------
FROM eclipse-temurin:17-jdk AS build
ARG SERVICE=service-a
WORKDIR /src
# Poms first: the dependency download is cached until a pom changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY protos protos
COPY service-a/pom.xml service-a/
COPY service-b/pom.xml service-b/
COPY system-tests/pom.xml system-tests/
RUN ./mvnw -B -ntp -q -pl ${SERVICE} dependency:go-offline
COPY ${SERVICE}/src ${SERVICE}/src
RUN ./mvnw -B -ntp -q -pl ${SERVICE} package -DskipTests \
 && java -Djarmode=tools -jar ${SERVICE}/target/${SERVICE}-*.jar extract --layers --launcher --destination /layers

# --- run: a JRE image, Spring Boot's layers from least to most often changed --------------
FROM eclipse-temurin:17-jre
ARG SERVICE=service-a
# The Actuator health URL of this service (A: 9080, B: 8081), for HEALTHCHECK.
ARG HEALTH_URL=http://localhost:9080/actuator/health
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --no-create-home app
WORKDIR /app
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
USER 10001
ENV SERVICE=${SERVICE} \
    HEALTH_URL=${HEALTH_URL} \
    MALLOC_ARENA_MAX=2 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=30 -XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=48m -XX:MaxDirectMemorySize=32m -XX:+UnlockExperimentalVMOptions -XX:TrimNativeHeapInterval=5000"
EXPOSE 8080 8081 9080
HEALTHCHECK --interval=10s --timeout=3s --start-period=40s --retries=3 \
  CMD curl -fsS "$HEALTH_URL" > /dev/null || exit 1
# exec form: the JVM is PID 1 and gets SIGTERM itself (graceful shutdown, exit 0).
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
