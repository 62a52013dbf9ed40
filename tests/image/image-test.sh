#!/usr/bin/env bash
# make image-test: builds the container image from the Dockerfile and runs
# it against the fake API, with a Docker engine of its own.
#
#  1. lints the Dockerfile (dockerfile-utils, from tests/image/package.json)
#     and checks the project's rules for it (one base image, no syntax
#     line, numeric non-root user, health check, labels);
#  2. starts dockerd by hand, everything under a temporary folder (data,
#     exec root, socket, pid file, its containerd), with no bridge, no
#     iptables rules and no IP forwarding: the containers get network
#     namespaces of their own (--network none, and one shared with it);
#  3. builds debian:bookworm-slim locally with debootstrap from the mirror
#     the machine's apt uses, trimmed as the official slim image is, and
#     imports it: nothing is pulled from a registry;
#  4. builds the image (BuildKit, else the classic builder), checks its
#     user, labels, health check, libraries and contents;
#  5. runs it with a read-only root, no capabilities and a state volume,
#     beside $BUILD/fakeapi running in the container's network namespace
#     (loopback only), scrapes /metrics, waits for the health check to
#     report healthy, checks the state file, a token from a mounted file,
#     and a clean stop on SIGTERM;
#  6. stops everything it started and puts back what dockerd changed on the
#     host (links, iptables rules and policies, forwarding sysctls,
#     /etc/docker/key.json, cgroups, mounts), then checks that it did.
#
# When dockerd cannot run here, steps 3-5 are replaced, with a loud
# message, by the build stage's `make deps` and `make all` in a debootstrap
# chroot. Runs as root; installs what it needs from Debian and npm.
# IMAGE_TEST_NO_DOCKER=1 forces that fallback (to test it).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
FAKEAPI=$B/fakeapi
BUDGET=${IMAGE_TEST_BUDGET:-600} # seconds for the whole test
DEADLINE=$((SECONDS + BUDGET))
IMAGE=doks_exporter:image-test
DOCKER=/usr/bin/docker # Debian's CLI, whatever else is on PATH
TOKEN=test-token

passed=0
failed=0
skipped=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
# A part that could not run here. In CI (CI set) that is a failure: the
# image must be built and run there, never assumed.
not_run() {
	if [ -n "${CI:-}" ]; then
		notok "$* (not run, and CI must run it)"
	else
		echo "ok - $* # SKIP"
		skipped=$((skipped + 1))
	fi
}
loud() { printf '\n%s\n!!! %s\n%s\n\n' "$(printf '!%.0s' {1..72})" "$*" "$(printf '!%.0s' {1..72})"; }
left() { echo $((DEADLINE - SECONDS)); } # seconds left in the budget
check() { # check DESCRIPTION COMMAND...: ok or not ok
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
wait_until() { # wait_until SECONDS COMMAND...
	local limit=$(($1 + SECONDS))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $limit ] && return 1
		sleep 0.2
	done
}

[ "$(id -u)" = 0 ] || { echo "image-test needs root (dockerd, debootstrap)"; exit 1; }

# --- packages -------------------------------------------------------------
missing=
for p in docker.io debootstrap curl iptables util-linux iproute2; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
command -v npm >/dev/null || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	echo "installing:$missing"
	# No service is started by this: docker.io's own dockerd is not used.
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ -x "$FAKEAPI" ] || { echo "$FAKEAPI is missing: make $FAKEAPI"; exit 1; }

T=$(mktemp -d /tmp/doks-image-test.XXXXXX)
chmod 0755 "$T"
export DOCKER_CONFIG=$T/client # the CLI writes nothing under ~/.docker
TAG=doks-image-test-$$
CGROUP_PARENT=/$TAG
DOCKERD_PID=
FAKE_PID=

# --- 1. the Dockerfile ----------------------------------------------------
W=$B/image-lint
if ! cmp -s tests/image/package.json "$W/package.json" || ! cmp -s tests/image/package-lock.json "$W/package-lock.json" ||
	[ ! -x "$W/node_modules/.bin/dockerfile-utils" ]; then
	echo "installing dockerfile-utils into $W"
	rm -rf "$W" && mkdir -p "$W"
	cp tests/image/package.json tests/image/package-lock.json "$W/"
	(cd "$W" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "npm ci failed in $W"; exit 1; }
fi
if out=$("$W/node_modules/.bin/dockerfile-utils" lint Dockerfile 2>&1) && [ -z "$out" ]; then
	ok "dockerfile-utils lint: no problem"
else
	notok "dockerfile-utils lint"
	printf '%s\n' "$out" | sed 's/^/    /'
fi

VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)
REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
rules_ok=1
rule() { echo "    $*"; rules_ok=0; }
grep -qi '^# *syntax *=' Dockerfile && rule "a '# syntax=' line would fetch a frontend image"
awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | grep -vx 'debian:bookworm-slim' >/dev/null &&
	rule "a FROM other than debian:bookworm-slim"
grep -qiE '^(ADD|ONBUILD) ' Dockerfile && rule "ADD or ONBUILD (use COPY)"
grep -qE '^USER 65532:65532$' Dockerfile || rule "the last stage must run as USER 65532:65532"
grep -qE '^EXPOSE 9925$' Dockerfile || rule "EXPOSE 9925 is missing"
grep -qE '^HEALTHCHECK ' Dockerfile || rule "HEALTHCHECK is missing"
grep -qE "^ARG VERSION=$VERSION\$" Dockerfile || rule "ARG VERSION is not the Makefile's VERSION ($VERSION)"
for l in title description version revision source licenses; do
	grep -q "org.opencontainers.image.$l=" Dockerfile || rule "label org.opencontainers.image.$l is missing"
done
# the runtime stage installs no -dev package and no compiler
awk '/^FROM /{n++} n==2' Dockerfile | grep -E -- '-dev\b|\bgcc\b|\bmake\b' >/dev/null &&
	rule "the runtime stage installs build tools"
[ $rules_ok = 1 ] && ok "Dockerfile follows the project's rules" || notok "Dockerfile follows the project's rules"
check ".dockerignore keeps the context to Makefile, cmd/, src/ and the example configuration" \
	grep -qx '\*' .dockerignore

# --- host state, before ---------------------------------------------------
# Only what dockerd itself touches is compared and put back: other work on
# this machine may change the rest meanwhile.
sysctls="net.ipv4.ip_forward net.ipv6.conf.all.forwarding net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables"
docker_rules() { # docker_rules iptables|ip6tables: its rules, chains and FORWARD policy, per table
	command -v "$1" >/dev/null || return 0
	local t
	for t in filter nat; do
		"$1" -w 5 -t $t -S 2>/dev/null | { grep -E 'DOCKER|docker0|^-P FORWARD' || true; } | sed "s/^/$t /"
	done
	return 0
}
snapshot() { # snapshot DIR: what dockerd may change on the host
	mkdir -p "$1"
	ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep -E '^(docker0|br-[0-9a-f]+)$' | sort >"$1/links" || true
	for s in $sysctls; do echo "$s=$(sysctl -n "$s" 2>/dev/null || echo absent)"; done >"$1/sysctl"
	docker_rules iptables >"$1/iptables"
	docker_rules ip6tables >"$1/ip6tables"
	{ iptables-save 2>/dev/null | grep -c '^\*' || true; } >"$1/iptables-tables"
	{ [ -e /etc/docker/key.json ] && echo present || echo absent; } >"$1/keyjson"
	{ ls -d /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/*/docker 2>/dev/null || true; } | sort >"$1/cgroups"
	awk -v t="$T" '{ print $5 }' /proc/self/mountinfo |
		awk -v t="$T" 'index($0, t) == 1 || /^\/run\/docker|^\/var\/lib\/docker|^\/run\/containerd/' | sort >"$1/mounts"
}
snapshot "$T/before"

restore_host() {
	local l s v
	for l in $(ip -o link show | awk -F': ' '{ print $2 }' | sed 's/@.*//' | grep -E '^(docker0|br-[0-9a-f]+)$'); do
		grep -qx "$l" "$T/before/links" || { echo "removing link $l"; ip link del "$l" 2>/dev/null || true; }
	done
	while IFS='=' read -r s v; do
		[ "$v" = absent ] && continue
		[ "$(sysctl -n "$s" 2>/dev/null)" = "$v" ] || { echo "restoring $s=$v"; sysctl -qw "$s=$v" || true; }
	done <"$T/before/sysctl"
	restore_rules iptables "$T/before/iptables"
	restore_rules ip6tables "$T/before/ip6tables"
	# tables that dockerd created on a host that had none, now empty again
	if [ "$(cat "$T/before/iptables-tables")" = 0 ] && command -v nft >/dev/null &&
		[ -z "$(iptables-save 2>/dev/null | grep '^-A')" ]; then
		for t in filter nat; do nft delete table ip $t 2>/dev/null || true; done
	fi
	if [ "$(cat "$T/before/keyjson")" = absent ] && [ -e /etc/docker/key.json ]; then
		echo "removing /etc/docker/key.json" && rm -f /etc/docker/key.json
	fi
	for l in /sys/fs/cgroup/*/"$TAG" /sys/fs/cgroup/*/docker; do
		[ -d "$l" ] && ! grep -qx "$l" "$T/before/cgroups" &&
			find "$l" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}
restore_rules() { # restore_rules iptables|ip6tables BEFORE: undoes dockerd's rules only
	command -v "$1" >/dev/null || return 0
	local t rule chain
	cmp -s "$2" <(docker_rules "$1") && return 0
	echo "restoring dockerd's $1 changes"
	for t in filter nat; do
		"$1" -w 5 -t $t -S 2>/dev/null | grep '^-A' | grep -E 'DOCKER|docker0' | while read -r rule; do
			grep -qxF "$t $rule" "$2" || eval "$1 -w 5 -t $t -D ${rule#-A }" 2>/dev/null || true
		done
		"$1" -w 5 -t $t -S 2>/dev/null | awk '$1 == "-N" && /DOCKER/ { print $2 }' | while read -r chain; do
			grep -qxF "$t -N $chain" "$2" || { "$1" -w 5 -t $t -F "$chain"; "$1" -w 5 -t $t -X "$chain"; } 2>/dev/null || true
		done
	done
	rule=$(grep '^filter -P FORWARD' "$2" | awk '{ print $4 }')
	"$1" -w 5 -P FORWARD "${rule:-ACCEPT}" 2>/dev/null || true
	return 0
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	echo "# cleaning up"
	if [ -n "$DOCKERD_PID" ] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
		timeout 30 "$DOCKER" -H "unix://$T/docker.sock" ps -aq 2>/dev/null |
			xargs -r timeout 30 "$DOCKER" -H "unix://$T/docker.sock" rm -f >/dev/null 2>&1 || true
		timeout 30 "$DOCKER" -H "unix://$T/docker.sock" volume prune -f >/dev/null 2>&1 || true
	fi
	[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	if [ -n "$DOCKERD_PID" ]; then
		kill "$DOCKERD_PID" 2>/dev/null
		for _ in $(seq 1 150); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$DOCKERD_PID" 2>/dev/null
		wait "$DOCKERD_PID" 2>/dev/null
	fi
	# dockerd's containerd and shims, by the pid files they wrote
	f=$T/exec/containerd/containerd.pid
	[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	# mounts under $T (overlays, netns, the chroot's proc), deepest first
	awk -v t="$T" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	restore_host
	snapshot "$T/after"
	local d=
	for f in links sysctl iptables ip6tables iptables-tables keyjson cgroups mounts; do
		cmp -s "$T/before/$f" "$T/after/$f" || d="$d $f"
	done
	if [ -z "$d" ]; then
		ok "the host is as it was (links, forwarding sysctls, iptables, key.json, cgroups, mounts)"
	else
		notok "the host is as it was: changed:$d"
		for f in $d; do diff "$T/before/$f" "$T/after/$f" | sed 's/^/    /'; done
	fi
	rm -rf "$T" 2>/dev/null || echo "could not remove $T entirely"
	echo "image: $passed passed, $failed failed, $skipped skipped"
	[ $rc = 0 ] && [ $failed = 0 ] || exit 1
	exit 0
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 1' INT TERM

# --- 2. dockerd -------------------------------------------------------------
dk() { timeout "${DK_TIMEOUT:-60}" "$DOCKER" -H "unix://$T/docker.sock" "$@"; }
DOCKER_OK=0
DOCKER_WHY=
if [ "${IMAGE_TEST_NO_DOCKER:-0}" = 1 ]; then
	DOCKER_WHY="IMAGE_TEST_NO_DOCKER=1"
else
	echo '{}' >"$T/daemon.json"
	/usr/sbin/dockerd --config-file "$T/daemon.json" --data-root "$T/data" --exec-root "$T/exec" \
		--pidfile "$T/dockerd.pid" -H "unix://$T/docker.sock" \
		--containerd-namespace "$TAG" --containerd-plugins-namespace "$TAG-plugins" \
		--bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--userland-proxy=false --cgroup-parent="$CGROUP_PARENT" --log-level=warn \
		>"$T/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	if wait_until 60 dk version; then
		DOCKER_OK=1
		ok "dockerd $(dk version --format '{{.Server.Version}}') runs (own data root, exec root and socket; no bridge, no iptables)"
	else
		DOCKER_WHY="dockerd did not start: $(grep -iE 'level=(error|fatal)|failed|error' "$T/dockerd.log" | tail -n 3 | tr '\n' ' ')"
		kill -0 "$DOCKERD_PID" 2>/dev/null || DOCKERD_PID=
	fi
fi

# --- 3. the base image ----------------------------------------------------
mirror() { # the Debian mirror the machine's apt uses for bookworm
	local m
	m=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u != "" { print u; exit }
		/^$/ { u = "" }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}
security_mirror() {
	local m
	m=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && /bookworm-security/ && u != "" { print u; exit }
		/^$/ { u = "" }' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm-security" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian-security}"
}
MIRROR=$(mirror)
ROOTFS=$T/rootfs
# bootstrap_slim DIR: debian bookworm, minbase, trimmed as debian:bookworm-slim is
bootstrap_slim() {
	local d=$1
	echo "debootstrap --variant=minbase bookworm from $MIRROR ($(left)s left)"
	if ! timeout "$(($(left) - 60))" debootstrap --variant=minbase bookworm "$d" "$MIRROR" >"$T/debootstrap.log" 2>&1; then
		tail -n 20 "$T/debootstrap.log" | sed 's/^/    /'
		return 1
	fi
	# the slim variant: dpkg keeps no documentation, manual or translation,
	# apt keeps no package, list translation or uncompressed index
	cat >"$d/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
CFG
	cat >"$d/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
	echo 'Acquire::Languages "none";' >"$d/etc/apt/apt.conf.d/docker-no-languages"
	echo 'Acquire::GzipIndexes "true";' >"$d/etc/apt/apt.conf.d/docker-gzip-indexes"
	echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$d/etc/apt/apt.conf.d/docker-autoremove-suggests"
	rm -f "$d/etc/apt/sources.list"
	cat >"$d/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $(security_mirror)
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	find "$d/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	find "$d/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$d"/usr/share/man/* "$d"/usr/share/groff/* "$d"/usr/share/info/* "$d"/usr/share/lintian/* \
		"$d"/usr/share/locale/* "$d"/var/lib/apt/lists/* "$d"/var/cache/apt/*.bin \
		"$d"/var/cache/apt/archives/*.deb "$d"/var/log/* "$d"/tmp/* "$d"/root/.bash_history
	: >"$d/etc/machine-id"
	echo localhost >"$d/etc/hostname"
	printf 'nameserver 127.0.0.1\n' >"$d/etc/resolv.conf" # docker replaces it
}

# --- fallback: the build stage in a chroot ----------------------------------
chroot_build() {
	echo "running the Dockerfile's build stage in a debootstrap chroot instead"
	bootstrap_slim "$ROOTFS" || { notok "debootstrap of bookworm minbase"; return; }
	ok "debian bookworm minbase bootstrapped ($(du -sh "$ROOTFS" | cut -f1))"
	mount -t proc proc "$ROOTFS/proc"
	cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
	mkdir -p "$ROOTFS/src"
	tar -C "$ROOT" -c Makefile cmd src config/doks_exporter.conf | tar -C "$ROOTFS/src" -x
	# the Dockerfile's build stage, command for command, in a clean environment
	if timeout "$(($(left) - 30))" chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		/bin/sh -c "cd /src && apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make >/dev/null &&
		make deps && SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH make -j$(nproc) REVISION=$REVISION all &&
		strip --strip-debug build/doks_exporter && ./build/doks_exporter --version" >"$T/chroot-build.log" 2>&1; then
		ok "the build stage's make deps and make all pass in a bookworm chroot"
		grep -q "version $VERSION (revision: $REVISION)" "$T/chroot-build.log" &&
			ok "the chroot-built binary reports version $VERSION, revision $REVISION" ||
			notok "the chroot-built binary's --version"
	else
		notok "the build stage's make deps and make all in a bookworm chroot"
		tail -n 30 "$T/chroot-build.log" | sed 's/^/    /'
	fi
	umount "$ROOTFS/proc"
}

if [ $DOCKER_OK = 0 ]; then
	loud "DOCKER ENGINE UNAVAILABLE: the image build and run checks are SKIPPED. Why: ${DOCKER_WHY}"
	[ -s "$T/dockerd.log" ] && tail -n 15 "$T/dockerd.log" | sed 's/^/    dockerd: /'
	not_run "image build, run, health check and scrape (no Docker engine: $DOCKER_WHY)"
	chroot_build
	exit 0
fi

CACHE=$B/image-base
BASE_TAR=$CACHE/bookworm-slim.tar
if [ -s "$BASE_TAR" ] && [ -n "$(find "$BASE_TAR" -mtime -7)" ] && [ "$(cat "$CACHE/mirror" 2>/dev/null)" = "$MIRROR" ]; then
	echo "reusing $BASE_TAR (less than 7 days old; delete it to bootstrap afresh)"
else
	mkdir -p "$CACHE"
	rm -f "$BASE_TAR"
	if bootstrap_slim "$ROOTFS"; then
		tar -C "$ROOTFS" --numeric-owner -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
		echo "$MIRROR" >"$CACHE/mirror"
	fi
	rm -rf "$ROOTFS"
fi
if [ -s "$BASE_TAR" ] && dk import --change 'CMD ["bash"]' "$BASE_TAR" debian:bookworm-slim >/dev/null; then
	ok "debian:bookworm-slim built locally with debootstrap and imported ($(dk image inspect -f '{{.Size}}' debian:bookworm-slim | awk '{ printf "%.1f MB", $1 / 1e6 }'))"
else
	notok "a local debian:bookworm-slim base"
	exit 1
fi

# --- 4. the image -----------------------------------------------------------
build_image() { # build_image 0|1 (BuildKit)
	DOCKER_BUILDKIT=$1 DK_TIMEOUT=$(($(left) - 120)) dk build --network host --progress=plain \
		--build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
		--build-arg SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" -t "$IMAGE" . >"$T/build.log" 2>&1
}
BUILDER=BuildKit
t0=$SECONDS
if ! build_image 1; then
	if grep -qiE 'buildkit|buildx|not supported|unknown flag: --progress' "$T/build.log" && ! grep -q 'make: \*\*\*' "$T/build.log"; then
		echo "BuildKit refused ($(grep -iE 'buildkit|buildx|error' "$T/build.log" | head -n1)); using the classic builder"
		BUILDER=classic
		# the classic builder has no --progress
		DOCKER_BUILDKIT=0 DK_TIMEOUT=$(($(left) - 120)) dk build --network host \
			--build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" \
			--build-arg SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" -t "$IMAGE" . >"$T/build.log" 2>&1 || BUILDER=
	else
		BUILDER=
	fi
fi
if [ -z "$BUILDER" ]; then
	notok "docker build"
	tail -n 40 "$T/build.log" | sed 's/^/    /'
	exit 1
fi
ctx=$(grep -oE 'transferring context: [0-9.]+[kMG]?B' "$T/build.log" | tail -n1 | sed 's/transferring context: //')
ok "image built with $BUILDER in $((SECONDS - t0))s${ctx:+ (build context: $ctx)}"

inspect() { dk image inspect -f "$1" "$IMAGE"; }
SIZE=$(inspect '{{.Size}}')
echo "# image size: $SIZE bytes ($(awk -v s="$SIZE" 'BEGIN { printf "%.1f MB", s / 1e6 }')); base: $(dk image inspect -f '{{.Size}}' debian:bookworm-slim) bytes"
check "runs as 65532:65532" [ "$(inspect '{{.Config.User}}')" = 65532:65532 ]
check "exposes 9925/tcp" [ "$(inspect '{{range $p, $_ := .Config.ExposedPorts}}{{$p}} {{end}}')" = "9925/tcp " ]
check "entrypoint is the exporter" [ "$(inspect '{{json .Config.Entrypoint}}')" = '["/usr/bin/doks_exporter"]' ]
check "health check asks /-/healthy with bash" \
	sh -c "$DOCKER -H unix://$T/docker.sock image inspect -f '{{json .Config.Healthcheck.Test}}' $IMAGE | grep -q 'bash.*/dev/tcp/127.0.0.1/9925.*GET /-/healthy'"
labels_ok=1
for kv in "title=doks_exporter" "version=$VERSION" "revision=$REVISION" \
	"source=https://github.com/doks-exporter/doks_exporter" "licenses=NOASSERTION"; do
	k=${kv%%=*}
	v=$(inspect "{{index .Config.Labels \"org.opencontainers.image.$k\"}}")
	[ "$v" = "${kv#*=}" ] || { echo "    label $k is '$v', not '${kv#*=}'"; labels_ok=0; }
done
[ -n "$(inspect '{{index .Config.Labels "org.opencontainers.image.description"}}')" ] || labels_ok=0
check "OCI labels: title, description, version $VERSION, revision $REVISION, source, licenses" [ $labels_ok = 1 ]

run() { dk run --rm --network none "$@" 2>>"$T/docker-run.log"; }
out=$(run "$IMAGE" --version 2>&1) || true
check "the image's binary: version $VERSION, revision $REVISION" grep -q "doks_exporter, version $VERSION (revision: $REVISION)" <<<"$out"
out=$(run --entrypoint ldd "$IMAGE" /usr/bin/doks_exporter) || true
check "every library the binary links is in the image ($(grep -c '=>' <<<"$out") libraries)" \
	[ -z "$(grep 'not found' <<<"$out")" -a -n "$(grep libmicrohttpd <<<"$out")" ]
out=$(run --entrypoint bash "$IMAGE" -c 'id -u; id -g; stat -c "%u:%g %a" /var/lib/doks_exporter;
	for c in gcc cc make cpp apt-get; do command -v $c; done; ls /usr/include 2>/dev/null | head -n1;
	grep -c "^  file = \"/var/lib/doks_exporter/state.json\";" /etc/doks_exporter/doks_exporter.conf' 2>&1) || true
check "no compiler, make or headers in the image; apt-get only" \
	[ "$(sed -n '4,$p' <<<"$out" | head -n -1 | tr '\n' ' ')" = "/usr/bin/apt-get " ]
check "user 65532 owns /var/lib/doks_exporter (0750)" [ "$(sed -n '1,3p' <<<"$out" | tr '\n' ' ')" = "65532 65532 65532:65532 750 " ]
check "the image's configuration keeps state in /var/lib/doks_exporter/state.json" [ "$(tail -n1 <<<"$out")" = 1 ]

# --- 5. run it ------------------------------------------------------------
# A holder container owns a network namespace with loopback only; the fake
# API (the host's binary, entered into that namespace) and the exporter
# share it, so nothing listens on the host and the default port is free.
CONF=$T/conf
mkdir -p "$CONF" "$T/secrets"
dk run -d --name "$TAG-net" --network none --entrypoint sleep "$IMAGE" infinity >/dev/null 2>>"$T/docker-run.log"
NETPID=$(dk inspect -f '{{.State.Pid}}' "$TAG-net")
in_ns() { nsenter --net="/proc/$NETPID/ns/net" "$@"; }
nsenter --net="/proc/$NETPID/ns/net" "$FAKEAPI" --scenario "$ROOT/tests/fixtures/scenarios/basic.json" --listen 127.0.0.1 \
	--port-file "$T/fake.port" --log "$T/requests.log" 2>"$T/fakeapi.log" &
FAKE_PID=$!
wait_until 10 test -s "$T/fake.port" || { notok "the fake API starts in the container's namespace"; cat "$T/fakeapi.log"; exit 1; }
FAKE_PORT=$(cat "$T/fake.port")
# the image's own configuration, pointed at the fake API, polling often
run --entrypoint cat "$IMAGE" /etc/doks_exporter/doks_exporter.conf |
	sed -e "s#url = \"https://api.digitalocean.com\";#url = \"http://127.0.0.1:$FAKE_PORT\";#" \
		-e 's/^  max_requests_per_minute = 60;/  max_requests_per_minute = 0;/' \
		-e 's/^  interval = 300;/  interval = 2;/' >"$CONF/doks_exporter.conf"
grep -q "127.0.0.1:$FAKE_PORT" "$CONF/doks_exporter.conf" || notok "pointing the image's configuration at the fake API"
chmod 0644 "$CONF/doks_exporter.conf"

dk run -d --name "$TAG-exp" --network "container:$TAG-net" --read-only --cap-drop ALL \
	--security-opt no-new-privileges --health-interval 2s --health-start-period 2s \
	-e DIGITALOCEAN_TOKEN="$TOKEN" -v "$CONF:/etc/doks_exporter:ro" \
	--mount "type=volume,src=$TAG-state,dst=/var/lib/doks_exporter" "$IMAGE" >/dev/null 2>>"$T/docker-run.log"
URL=http://127.0.0.1:9925
if wait_until 20 in_ns curl -fsS "$URL/-/ready"; then
	ok "the container's exporter is ready on :9925 (read-only root, no capabilities, no-new-privileges)"
else
	notok "the container's exporter becomes ready"
	dk logs "$TAG-exp" 2>&1 | tail -n 20 | sed 's/^/    /'
fi
SCRAPE=$(in_ns curl -fsS "$URL/metrics" 2>&1) || true
check "/metrics holds the fake API's 4 clusters" [ "$(grep -c '^doks_cluster_info{' <<<"$SCRAPE")" = 4 ]
check "/metrics: build_info carries version $VERSION, revision $REVISION" \
	grep -q "^doks_exporter_build_info{version=\"$VERSION\",revision=\"$REVISION\"} 1" <<<"$SCRAPE"
RSS=$(awk '/^process_resident_memory_bytes / { printf "%.1f", $2 / 1048576 }' <<<"$SCRAPE")
echo "# exporter resident memory in the container: ${RSS:-?} MiB"
health() { dk inspect -f '{{.State.Health.Status}}' "$TAG-exp"; }
if wait_until 30 sh -c "[ \"\$($DOCKER -H unix://$T/docker.sock inspect -f '{{.State.Health.Status}}' $TAG-exp)\" = healthy ]"; then
	ok "the image's HEALTHCHECK reports healthy"
else
	notok "the image's HEALTHCHECK reports healthy (status: $(health))"
	dk inspect -f '{{json .State.Health}}' "$TAG-exp" | head -c 1500 | sed 's/^/    /'
	echo
fi
if wait_until 10 dk exec "$TAG-exp" test -s /var/lib/doks_exporter/state.json; then
	ok "the state file is written to the volume as user 65532 ($(dk exec "$TAG-exp" stat -c '%u:%g %a' /var/lib/doks_exporter/state.json))"
else
	notok "the state file is written to the volume"
fi
# and the health check can fail: nothing answers on 9925 here
dk run -d --name "$TAG-deaf" --network none --read-only --cap-drop ALL --health-interval 1s \
	--health-retries 2 -e DIGITALOCEAN_TOKEN="$TOKEN" -v "$CONF:/etc/doks_exporter:ro" \
	--tmpfs /var/lib/doks_exporter:uid=65532,gid=65532 "$IMAGE" --web.listen-address=127.0.0.1:9926 \
	>/dev/null 2>>"$T/docker-run.log"
if wait_until 20 sh -c "[ \"\$($DOCKER -H unix://$T/docker.sock inspect -f '{{.State.Health.Status}}' $TAG-deaf)\" = unhealthy ]"; then
	ok "the HEALTHCHECK reports unhealthy when nothing answers on 9925"
else
	notok "the HEALTHCHECK reports unhealthy when nothing answers on 9925 (status: $(dk inspect -f '{{.State.Health.Status}}' "$TAG-deaf"))"
fi
dk rm -f "$TAG-deaf" >/dev/null
dk kill -s HUP "$TAG-exp" >/dev/null
check "docker kill -s HUP: the exporter reloads its configuration" \
	wait_until 10 sh -c "$DOCKER -H unix://$T/docker.sock logs $TAG-exp 2>&1 | grep -q 'configuration reloaded'"
LOGS=$(dk logs "$TAG-exp" 2>&1)
check "the logs never show the token" sh -c "! grep -qF '$TOKEN'" <<<"$LOGS"
t0=$SECONDS
dk stop -t 10 "$TAG-exp" >/dev/null
code=$(dk inspect -f '{{.State.ExitCode}}' "$TAG-exp")
took=$((SECONDS - t0))
check "docker stop: the exporter (PID 1) stops on SIGTERM with status 0 within ${took}s" \
	[ "$code" = 0 -a "$took" -lt 5 ]
# the state outlives the container
check "the state volume keeps state.json for the next container" \
	sh -c "$DOCKER -H unix://$T/docker.sock run --rm --network none -v $TAG-state:/var/lib/doks_exporter --entrypoint cat $IMAGE /var/lib/doks_exporter/state.json | grep -q ."

# the token from a mounted file (the way of Docker and Compose secrets)
sed 's#^  \# token_file = "/etc/doks_exporter/token";#  token_file = "/run/secrets/digitalocean_token";#' \
	"$CONF/doks_exporter.conf" >"$CONF/secret.conf"
printf '%s\n' "$TOKEN" >"$T/secrets/digitalocean_token"
chown 65532:65532 "$T/secrets/digitalocean_token"
chmod 0400 "$T/secrets/digitalocean_token"
out=$(dk run --rm --network "container:$TAG-net" --read-only --cap-drop ALL \
	-v "$CONF:/etc/doks_exporter:ro" -v "$T/secrets/digitalocean_token:/run/secrets/digitalocean_token:ro" \
	--tmpfs /var/lib/doks_exporter:uid=65532,gid=65532 \
	"$IMAGE" --config.file=/etc/doks_exporter/secret.conf --once 2>"$T/once.err") && rc=0 || rc=$?
check "--once with the token in /run/secrets/digitalocean_token (api.token_file): exit 0, 4 clusters, no warning" \
	sh -c "[ $rc = 0 ] && [ \$(grep -c '^doks_cluster_info{' <<'EOF'
$out
EOF
) = 4 ] && ! grep -q 'level=warn' '$T/once.err'"
grep -q 'token_file' "$CONF/secret.conf" || notok "secret.conf names the token file"
check "the fake API saw GET requests only" sh -c "[ -s '$T/requests.log' ] && ! cut -f1 '$T/requests.log' | grep -vqx GET"
echo "# image $IMAGE: $SIZE bytes; built with $BUILDER; RSS ${RSS:-?} MiB"
