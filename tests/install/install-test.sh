#!/usr/bin/env bash
# make install-test: `make install` into a temporary DESTDIR, then the tree,
# the man page and the systemd unit.
#  1. make install DESTDIR=... PREFIX=/usr: exactly the expected files, with
#     their modes (binary 0755, the rest 0644), copies of the sources;
#  2. the installed binary runs (--version) and finds the shipped support
#     timeline beside itself;
#  3. a second make install keeps an edited /etc/doks_exporter/doks_exporter.conf;
#  4. PREFIX=/usr/local: the unit's ExecStart follows the binary;
#  5. mandoc -T lint: no message on the man page (STYLE notes that depend on
#     the machine's manual database, such as a missing prometheus(1), are
#     shown but do not fail);
#  6. systemd-analyze verify prints nothing for the installed unit (it
#     warns with exit status 0, so any output fails), its man page found in
#     DESTDIR; systemd-analyze security --offline rates its exposure;
#  7. make uninstall removes all but /etc/doks_exporter.
# Installs mandoc and systemd (for systemd-analyze) when missing, as root.
# MAKEFILE=path runs another makefile (to try an install target).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
MK=(make --no-print-directory -f "${MAKEFILE:-Makefile}" BUILD="$B")
passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }

missing=
command -v mandoc >/dev/null || missing="$missing mandoc"
command -v systemd-analyze >/dev/null || missing="$missing systemd"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing:$missing"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "missing:$missing (run: sudo apt-get install$missing)"
		exit 1
	fi
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
D=$T/root
VERSION=$(sed -n 's/^VERSION *:= *//p' Makefile)

# --- 1. the tree ------------------------------------------------------------
if "${MK[@]}" install DESTDIR="$D" PREFIX=/usr >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	notok "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/    /' "$T/install.log"
	echo "install: $passed passed, $failed failed"
	exit 1
fi
expected="0644 etc/doks_exporter/doks_exporter.conf
0644 usr/lib/systemd/system/doks_exporter.service
0644 usr/share/doc/doks_exporter/doks_exporter.conf
0644 usr/share/doks_exporter/dashboards/doks-alerts.rules.yml
0644 usr/share/doks_exporter/dashboards/doks-overview.json
0644 usr/share/doks_exporter/support-timeline.json
0644 usr/share/man/man1/doks_exporter.1
0755 usr/bin/doks_exporter"
actual=$(cd "$D" && find . -type f -printf '%#m %P\n' | sed 's/^0*\([0-7]\{3\}\) /0\1 /' | sort -k2)
if [ "$(sort -k2 <<<"$expected")" = "$actual" ]; then
	ok "the tree: 8 files, binary 0755, configuration, unit, man page, dashboards and support timeline 0644"
else
	notok "the tree"
	diff <(sort -k2 <<<"$expected") <(echo "$actual") | sed 's/^/    /'
fi
check "no directory is group or world writable" [ -z "$(find "$D" -type d -perm /022)" ]
same=1
for pair in "config/doks_exporter.conf etc/doks_exporter/doks_exporter.conf" \
	"config/doks_exporter.conf usr/share/doc/doks_exporter/doks_exporter.conf" \
	"docs/doks_exporter.1 usr/share/man/man1/doks_exporter.1" \
	"dashboards/doks-overview.json usr/share/doks_exporter/dashboards/doks-overview.json" \
	"dashboards/doks-alerts.rules.yml usr/share/doks_exporter/dashboards/doks-alerts.rules.yml" \
	"config/support-timeline.json usr/share/doks_exporter/support-timeline.json" \
	"$B/doks_exporter usr/bin/doks_exporter"; do
	set -- $pair
	cmp -s "$1" "$D/$2" || { echo "    $D/$2 differs from $1"; same=0; }
done
check "installed files are copies of the sources" [ $same = 1 ]
check "the unit's ExecStart is /usr/bin/doks_exporter" \
	grep -qx 'ExecStart=/usr/bin/doks_exporter --config.file=/etc/doks_exporter/doks_exporter.conf $DOKS_EXPORTER_ARGS' \
	"$D/usr/lib/systemd/system/doks_exporter.service"

# --- 2. the binary runs -------------------------------------------------------
out=$("$D/usr/bin/doks_exporter" --version 2>&1) || true
check "the installed binary runs: $(head -n1 <<<"$out")" grep -q "^doks_exporter, version $VERSION " <<<"$out"

# --- 2b. the installed binary finds the shipped support timeline ---------------
# beside itself (../share/doks_exporter/), not the copy built in; no API is
# needed: the table is read before the first request, which fails at once
printf 'api = { url = "http://127.0.0.1:1"; timeout = 1; retries = 0; };\n' >"$T/timeline.conf"
DIGITALOCEAN_TOKEN=test-token "$D/usr/bin/doks_exporter" --config.file="$T/timeline.conf" --once \
	>"$T/timeline.out" 2>"$T/timeline.log" || true
check "the installed binary loads $D/usr/bin/../share/doks_exporter/support-timeline.json" \
	grep -qF "msg=\"support timeline loaded\" file=$D/usr/bin/../share/doks_exporter/support-timeline.json releases=24" "$T/timeline.log"
check "and exports its rows" grep -q '^doks_kubernetes_release_end_of_support_timestamp_seconds{release="1.34"} 1793059200$' "$T/timeline.out"

# --- 3. an edited configuration is kept ------------------------------------------
echo '# edited by the administrator' >>"$D/etc/doks_exporter/doks_exporter.conf"
"${MK[@]}" install DESTDIR="$D" PREFIX=/usr >"$T/install2.log" 2>&1 || notok "a second make install"
check "a second make install keeps the edited /etc/doks_exporter/doks_exporter.conf" \
	grep -q '^# edited by the administrator' "$D/etc/doks_exporter/doks_exporter.conf"

# --- 4. another prefix ------------------------------------------------------------
if "${MK[@]}" install DESTDIR="$T/local" PREFIX=/usr/local >"$T/install3.log" 2>&1 &&
	[ -x "$T/local/usr/local/bin/doks_exporter" ] &&
	grep -q '^ExecStart=/usr/local/bin/doks_exporter ' "$T/local/usr/local/lib/systemd/system/doks_exporter.service" &&
	[ -f "$T/local/etc/doks_exporter/doks_exporter.conf" ]; then
	ok "PREFIX=/usr/local: bin, lib/systemd/system, and ExecStart=/usr/local/bin/doks_exporter"
else
	notok "PREFIX=/usr/local"
	sed 's/^/    /' "$T/install3.log"
fi

# --- 5. the man page ----------------------------------------------------------------
MAN=$D/usr/share/man/man1/doks_exporter.1
lint=$(mandoc -T lint "$MAN" 2>&1) || true
# machine-dependent notes: pages the local manual database lacks
notes=$(grep -E 'outdated mandoc.db|referenced manual not found' <<<"$lint" || true)
lint=$(grep -vE 'outdated mandoc.db|referenced manual not found' <<<"$lint" || true)
if [ -z "$lint" ] && mandoc -T lint -W warning "$MAN" >/dev/null 2>&1; then
	ok "mandoc -T lint: no message on doks_exporter.1"
else
	notok "mandoc -T lint doks_exporter.1"
	sed 's/^/    /' <<<"$lint"
fi
[ -n "$notes" ] && sed 's/^/    (note) /' <<<"$notes"
text=$(mandoc -T utf8 "$MAN" | col -b)
sections=1
for s in NAME SYNOPSIS DESCRIPTION OPTIONS CONFIGURATION ENVIRONMENT FILES "EXIT STATUS" SIGNALS; do
	grep -q "^$s\$" <<<"$text" || { echo "    no $s section"; sections=0; }
done
# every flag the binary's --help lists is in the page
for f in $("$D/usr/bin/doks_exporter" --help 2>&1 | grep -oE -- '--[a-z][a-z.-]+' | sort -u); do
	grep -qF -- "$f" <<<"$text" || { echo "    flag $f is not in the man page"; sections=0; }
done
check "the man page has every section and every flag of --help" [ $sections = 1 ]

# --- 6. the unit --------------------------------------------------------------------
# verify looks for ExecStart's binary and the Documentation= page on this
# machine: point both at DESTDIR, leaving everything else as installed.
mkdir -p "$T/verify"
sed "s#^ExecStart=/usr/bin/doks_exporter#ExecStart=$D/usr/bin/doks_exporter#" \
	"$D/usr/lib/systemd/system/doks_exporter.service" >"$T/verify/doks_exporter.service"
if out=$(MANPATH=$D/usr/share/man systemd-analyze verify "$T/verify/doks_exporter.service" 2>&1) && [ -z "$out" ]; then
	ok "systemd-analyze verify: no message"
else
	notok "systemd-analyze verify"
	sed 's/^/    /' <<<"$out"
fi
score=$(systemd-analyze security --offline=true "$T/verify/doks_exporter.service" 2>&1 |
	sed -n 's/.*Overall exposure level for doks_exporter.service: \([0-9.]*\).*/\1/p')
if systemd-analyze security --offline=true --threshold=20 "$T/verify/doks_exporter.service" >/dev/null 2>&1; then
	ok "systemd-analyze security: exposure ${score:-?} (at most 2.0 of 10)"
else
	notok "systemd-analyze security: exposure ${score:-?} (at most 2.0 of 10)"
fi
unit=$D/usr/lib/systemd/system/doks_exporter.service
hard=1
for k in DynamicUser=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes NoNewPrivileges=yes \
	CapabilityBoundingSet= AmbientCapabilities= "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
	SystemCallFilter=@system-service MemoryDenyWriteExecute=yes LockPersonality=yes RestrictNamespaces=yes \
	StateDirectory=doks_exporter LoadCredential=digitalocean_token:/etc/doks_exporter/token \
	"ExecReload=/bin/sh -c 'kill -HUP \$\$MAINPID'"; do
	grep -qxF "$k" "$unit" || { echo "    missing: $k"; hard=0; }
done
check "the unit's hardening and credential directives are all there" [ $hard = 1 ]

# --- 7. uninstall ----------------------------------------------------------------------
if "${MK[@]}" uninstall DESTDIR="$D" PREFIX=/usr >"$T/uninstall.log" 2>&1; then
	left=$(cd "$D" && find . -type f -printf '%P\n')
	check "make uninstall leaves only etc/doks_exporter/doks_exporter.conf" [ "$left" = etc/doks_exporter/doks_exporter.conf ]
else
	notok "make uninstall"
	sed 's/^/    /' "$T/uninstall.log"
fi

# --- 8. the unit under systemd ----------------------------------------------------------
# A Debian bookworm with systemd, booted with systemd-nspawn (sharing the
# host's network: the fake API and the exporter listen on loopback only),
# the tree installed by make install, the token in /etc/doks_exporter/token.
# Proves that the hardened unit runs the exporter: dynamic user, the
# credential, the state directory, the seccomp filter, reload and stop.
# (globals: the EXIT trap cleans up after an early return too)
R=$T/boot
name=doks-install-test-$$
fake_pid=
nspawn_pid=
hierarchies="/sys/fs/cgroup/systemd /sys/fs/cgroup/unified"
had_nspawn_run=0
[ -d /run/systemd/nspawn ] && had_nspawn_run=1
descendants() { # descendants PID: every process under PID
	local c
	for c in $(ps -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done
}
boot_test() {
	local init='' port cg
	boot_cleanup() {
		set +e
		# SIGTERM to nspawn: the container's systemd powers off
		[ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null
		for _ in $(seq 1 100); do [ -n "$nspawn_pid" ] && kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.2; done
		[ -n "$nspawn_pid" ] && kill -KILL "$nspawn_pid" 2>/dev/null
		[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
		wait 2>/dev/null
		awk -v t="$R" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
		for cg in $hierarchies; do
			[ -d "$cg/$name" ] && find "$cg/$name" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		rm -rf "/run/systemd/nspawn/propagate/$name" "/run/systemd/nspawn/locks/"*"$name"* 2>/dev/null
		[ $had_nspawn_run = 0 ] && rm -rf /run/systemd/nspawn
		set -e
		return 0
	}
	trap 'boot_cleanup; rm -rf "$T"' EXIT
	local need=
	command -v systemd-nspawn >/dev/null || need="$need systemd-container"
	command -v debootstrap >/dev/null || need="$need debootstrap"
	[ -n "$need" ] && { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null; }
	mkdir -p "$R"
	# the image test's debootstrap of bookworm minbase, when it made one
	if [ -s "$B/image-base/bookworm-slim.tar" ]; then
		tar -C "$R" -xf "$B/image-base/bookworm-slim.tar"
	else
		local mirror
		mirror=$(awk '/^URIs:/ { u = $2 } /^Suites:/ && / bookworm( |$)/ && u != "" { print u; exit }' \
			/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
		timeout 300 debootstrap --variant=minbase bookworm "$R" "${mirror:-http://deb.debian.org/debian}" >"$T/debootstrap.log" 2>&1 ||
			{ notok "debootstrap for the systemd test"; tail -n 5 "$T/debootstrap.log"; return; }
	fi
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	if ! timeout 300 chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c 'apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd libmicrohttpd12 libcurl4 \
		libcjson1 libconfig9 libyaml-0-2 libgnutls30 libssl3 zlib1g libcrypt1 ca-certificates' >"$T/chroot.log" 2>&1; then
		notok "systemd and the runtime libraries in a bookworm chroot"; tail -n 5 "$T/chroot.log"; return
	fi
	"${MK[@]}" install DESTDIR="$R" PREFIX=/usr >"$T/install-boot.log" 2>&1 || { notok "make install into the chroot"; return; }
	"$B/fakeapi" --scenario tests/fixtures/scenarios/basic.json --listen 127.0.0.1 --port-file "$T/fake.port" \
		--log "$T/requests.log" 2>"$T/fake.err" &
	fake_pid=$!
	for _ in $(seq 1 50); do [ -s "$T/fake.port" ] && break; sleep 0.1; done
	port=$((20000 + RANDOM % 10000))
	while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
	printf 'test-token\n' >"$R/etc/doks_exporter/token"
	chmod 0600 "$R/etc/doks_exporter/token"
	cat >"$R/etc/doks_exporter/doks_exporter.conf" <<CONF
api = { url = "http://127.0.0.1:$(cat "$T/fake.port")"; max_requests_per_minute = 0;
        token_file = "/run/credentials/doks_exporter.service/digitalocean_token"; };
poll = { interval = 2; };
state = { file = "/var/lib/doks_exporter/state.json"; };
web = { listen_address = "127.0.0.1:$port"; };
CONF
	ln -sf /usr/lib/systemd/system/doks_exporter.service "$R/etc/systemd/system/multi-user.target.wants/doks_exporter.service"
	# nspawn in cgroups of its own, so that it leaves none behind
	(
		for cg in $hierarchies; do
			[ -d "$cg" ] && mkdir -p "$cg/$name" && echo "$BASHPID" >"$cg/$name/cgroup.procs"
		done
		exec timeout 180 systemd-nspawn -D "$R" --boot --register=no --keep-unit --machine="$name" --quiet </dev/null
	) >"$T/nspawn.log" 2>&1 &
	nspawn_pid=$!
	local url=http://127.0.0.1:$port
	local i
	for i in $(seq 1 150); do curl -fs "$url/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
	# the container's systemd: PID 1 of its own namespace, under nspawn
	for i in $(descendants "$nspawn_pid"); do
		[ "$(cat "/proc/$i/comm" 2>/dev/null)" = systemd ] &&
			grep -qE '^NSpid:\s+[0-9]+\s+1$' "/proc/$i/status" 2>/dev/null && init=$i
	done
	if [ -z "$init" ] || ! curl -fs "$url/-/ready" >/dev/null 2>&1; then
		notok "the unit starts the exporter under systemd (nspawn)"
		tail -n 20 "$T/nspawn.log" | sed 's/^/    /'
		[ -n "$init" ] && nsenter -t "$init" -a journalctl -u doks_exporter --no-pager 2>&1 | tail -n 10 | sed 's/^/    /'
		return
	fi
	X=(nsenter -t "$init" -a)
	ok "systemd $("${X[@]}" systemctl --version | head -n1 | cut -d' ' -f2) in systemd-nspawn starts the hardened unit; /-/ready answers 200"
	local clusters
	clusters=$(curl -fs "$url/metrics" | grep -c '^doks_cluster_info{')
	check "it polls with the token from LoadCredential: 4 clusters" [ "$clusters" = 4 ]
	local mp st
	mp=$("${X[@]}" systemctl show doks_exporter -p MainPID --value)
	st=$("${X[@]}" cat "/proc/$mp/status")
	local want good=1
	for want in '^Uid:\s+[1-9][0-9]*\s' '^CapEff:\s+0+$' '^CapBnd:\s+0+$' '^NoNewPrivs:\s+1$' '^Seccomp:\s+2$'; do
		grep -qE "$want" <<<"$st" || { echo "    /proc/$mp/status does not match $want"; good=0; }
	done
	check "the main process: a dynamic user ($(awk '/^Uid:/ { print $2 }' <<<"$st")), no capability, no new privileges, a seccomp filter" \
		[ $good = 1 ]
	for i in $(seq 1 50); do "${X[@]}" test -s /var/lib/private/doks_exporter/state.json && break; sleep 0.2; done
	check "the state file is written under StateDirectory" "${X[@]}" test -s /var/lib/private/doks_exporter/state.json
	if "${X[@]}" systemctl reload doks_exporter >/dev/null 2>&1 &&
		for i in $(seq 1 25); do "${X[@]}" journalctl -u doks_exporter --no-pager -q | grep -q 'configuration reloaded' && break; sleep 0.2; done &&
		"${X[@]}" journalctl -u doks_exporter --no-pager -q | grep -q 'configuration reloaded'; then
		ok "systemctl reload: SIGHUP, the exporter reloads its configuration"
	else
		notok "systemctl reload"
		"${X[@]}" journalctl -u doks_exporter --no-pager -q | tail -n 5 | sed 's/^/    /'
	fi
	local journal
	journal=$("${X[@]}" journalctl -u doks_exporter --no-pager -q)
	check "the journal never shows the token" sh -c '! grep -q test-token' <<<"$journal"
	check "no warning or error in the journal" sh -c '! grep -qE "level=(warn|error)|status=|Failed"' <<<"$journal"
	"${X[@]}" systemctl stop doks_exporter
	check "systemctl stop: a clean stop (Result=success)" \
		[ "$("${X[@]}" systemctl show doks_exporter -p Result --value)" = success ]
	boot_cleanup
	nspawn_pid=
	fake_pid=
}
if [ "$(id -u)" != 0 ]; then
	echo "ok - the unit under systemd-nspawn # SKIP not root"
elif [ "${INSTALL_TEST_NO_BOOT:-0}" = 1 ]; then
	echo "ok - the unit under systemd-nspawn # SKIP INSTALL_TEST_NO_BOOT=1"
else
	boot_test
fi

echo "install: $passed passed, $failed failed"
[ $failed = 0 ]
