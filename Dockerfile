# doks_exporter container image.
#
#   docker build --build-arg REVISION=$(git rev-parse --short HEAD) \
#     --build-arg SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) -t doks_exporter:0.1.0 .
#   docker run -d -p 9925:9925 -e DIGITALOCEAN_TOKEN doks_exporter:0.1.0
#
# The binary is built by the project's own Makefile (`make all`, the target
# CI builds and tests), so the image cannot drift from what CI tests. The
# build stage installs the Makefile's own package list (`make deps`).
# Checked by tests/image/image-test.sh (`make image-test`).

FROM debian:bookworm-slim AS build
WORKDIR /src
COPY Makefile ./
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make \
 && make deps \
 && rm -rf /var/lib/apt/lists/*
COPY cmd cmd
COPY src src
# built into the binary too, as its fallback
COPY config/support-timeline.json config/support-timeline.json
# Without .git in the context, the Makefile cannot ask git: the revision
# and the date (for reproducible builds) come from the build arguments.
ARG REVISION=unknown
ARG SOURCE_DATE_EPOCH
RUN SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" make -j"$(nproc)" REVISION="$REVISION" all \
 && strip --strip-debug build/doks_exporter \
 && ./build/doks_exporter --version

FROM debian:bookworm-slim
# Runtime libraries only: no compiler, no headers, no package lists.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libcurl4 libcjson1 libconfig9 libyaml-0-2 libgnutls30 libssl3 zlib1g libcrypt1 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log
# A fixed, unprivileged user: Kubernetes' runAsNonRoot needs a numeric one,
# and files mounted for it (a token, a state volume) need to know its id.
RUN groupadd --system --gid 65532 doks_exporter \
 && useradd --system --uid 65532 --gid 65532 --home-dir /var/lib/doks_exporter --no-create-home \
      --shell /usr/sbin/nologin doks_exporter \
 && install -d -o 65532 -g 65532 -m 0750 /var/lib/doks_exporter
COPY --from=build /src/build/doks_exporter /usr/bin/doks_exporter
# The support timeline, where the binary looks for it (../share/doks_exporter/
# from its folder); a newer one is mounted and named by support.timeline_file.
COPY config/support-timeline.json /usr/share/doks_exporter/support-timeline.json
# The example configuration with the state file switched on; the token
# comes from DIGITALOCEAN_TOKEN, or from a file named by api.token_file
# (e.g. /run/secrets/digitalocean_token) in a configuration mounted over
# this one.
COPY config/doks_exporter.conf /etc/doks_exporter/doks_exporter.conf
RUN sed -i 's|^  # file = "/var/lib/doks_exporter/state.json";|  file = "/var/lib/doks_exporter/state.json";|' \
      /etc/doks_exporter/doks_exporter.conf \
 && grep -q '^  file = "/var/lib/doks_exporter/state.json";' /etc/doks_exporter/doks_exporter.conf

ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="doks_exporter" \
      org.opencontainers.image.description="Prometheus exporter and upgrade watcher for DigitalOcean Kubernetes (DOKS)" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION" \
      org.opencontainers.image.source="https://github.com/doks-exporter/doks_exporter" \
      org.opencontainers.image.licenses="NOASSERTION" \
      org.opencontainers.image.base.name="debian:bookworm-slim"

USER 65532:65532
WORKDIR /var/lib/doks_exporter
EXPOSE 9925
# No HTTP client in the image: bash's /dev/tcp asks /-/healthy, which
# answers 200 while the process runs. Assumes the default port and plain
# HTTP; with --web.config.file (TLS or basic auth) or another port, turn it
# off (--no-healthcheck) or replace it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9925 && printf 'GET /-/healthy HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && read -r -t 4 proto status rest <&3 && [ \"$status\" = 200 ]"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/doks_exporter"]
