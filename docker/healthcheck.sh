#!/bin/bash
# The image's HEALTHCHECK: HTTP 200 from /actuator/health/readiness on this service's Actuator
# port: its management port when it has one (B: MANAGEMENT_SERVER_PORT, else the
# management.server.port its application.yml sets), else its HTTP port (A: SERVER_PORT, else the
# server.port of its application.yml). bash alone: the JRE base image has no curl or wget, and a
# JVM per probe would cost more than the probe is worth.
port=${MANAGEMENT_SERVER_PORT:-$(cat /opt/healthcheck/management-port)}
port=${port:-${SERVER_PORT:-$(cat /opt/healthcheck/default-port)}}
exec 3<>"/dev/tcp/127.0.0.1/${port}" || exit 1
printf 'GET /actuator/health/readiness HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
read -r -t 3 _ status _ <&3 || exit 1
[[ $status == 200 ]]
