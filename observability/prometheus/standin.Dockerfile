# A stand-in for prom/prometheus, used only by scripts/compose-check.sh (Docker Hub is not
# reachable where it runs): Debian's prometheus and promtool binaries on the check's Debian base,
# laid out as the upstream image is (entrypoint, config path, data folder, user nobody), so that
# docker-compose.yml runs it unchanged. The context is a folder holding the two binaries.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY prometheus promtool /bin/
RUN mkdir -p /etc/prometheus /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
