# syntax=docker/dockerfile:1
# Catwalk gateway image: built with the Maven wrapper, run on a JRE as a non-root user.

FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -B -q dependency:go-offline
COPY conf/ conf/
COPY src/ src/
RUN ./mvnw -B -q package -DskipTests

FROM eclipse-temurin:25-jre
# bubblewrap: the local backend runs each MCP server in it (serve refuses to start without it unless
# CATWALK_LOCAL_SANDBOX=off; see docs/security.md). prlimit (util-linux) is in the base image.
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system catwalk && useradd --system --gid catwalk --home-dir /app --shell /usr/sbin/nologin catwalk
WORKDIR /app
COPY --from=build /src/target/catwalk.jar /app/catwalk.jar
COPY conf/ /app/conf/
USER catwalk
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/catwalk.jar"]
CMD ["serve"]
