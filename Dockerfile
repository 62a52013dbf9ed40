# doks_exporter container image: built with the project's own Makefile, so
# the image cannot drift from what CI tests.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      make gcc libc6-dev pkg-config libmicrohttpd-dev libcurl4-openssl-dev libcjson-dev libconfig-dev \
      libyaml-dev libgnutls28-dev libcrypt-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY cmd cmd
COPY src src
ARG REVISION=unknown
RUN make REVISION="$REVISION" all

FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libcurl4 libcjson1 libconfig9 libyaml-0-2 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/doks_exporter /usr/bin/doks_exporter
COPY config/doks_exporter.conf /etc/doks_exporter/doks_exporter.conf
# nobody: the exporter needs no privilege and writes nothing
USER 65534:65534
EXPOSE 9925
ENTRYPOINT ["/usr/bin/doks_exporter"]
