#!/bin/sh
# The image's command: the JVM flags of scripts/jvm-options (the README's, copied into the image at
# build time), or JAVA_OPTS in their place, and the class data sharing archive recorded with them.
# exec: the JVM is PID 1 and gets SIGTERM itself (graceful shutdown, exit 0).
# shellcheck disable=SC2046,SC2086 # the flags are words on purpose
exec java ${JAVA_OPTS:-$(cat /app/jvm-options)} -XX:SharedArchiveFile=application.jsa -jar application.jar "$@"
