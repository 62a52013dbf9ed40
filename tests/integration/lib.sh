# Helpers for the integration tests: start the fake API and the real
# exporter on ports chosen at run time, wait for conditions (never for a
# fixed time), scrape, and clean up. Sourced by run.sh.

B=${BUILD:-build}
EXPORTER="$B/doks_exporter"
FAKEAPI="$B/fakeapi"
SCENARIOS="$PWD/tests/fixtures/scenarios"
TOKEN=test-token

# wait_until TIMEOUT_SECONDS COMMAND...: true once COMMAND succeeds.
wait_until() {
	local limit=$1
	shift
	local deadline=$((SECONDS + limit))
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# use_scenario SRC: copies a scenario to $T/active.json with its relative
# fixture paths made absolute, so that it works from $T.
use_scenario() {
	sed "s#\"\.\./#\"$SCENARIOS/../#g" "$1" >"$T/active.json.new"
	mv "$T/active.json.new" "$T/active.json"
}

# start_fake SCENARIO_FILE: sets FAKE_PID, FAKE_PORT, FAKE_URL, FAKE_LOG.
start_fake() {
	use_scenario "$1"
	rm -f "$T/fake.port"
	FAKE_LOG="$T/requests.log"
	: >"$FAKE_LOG"
	"$FAKEAPI" --scenario "$T/active.json" --port-file "$T/fake.port" --log "$FAKE_LOG" \
		2>>"$T/fakeapi.stderr" &
	FAKE_PID=$!
	wait_until 10 test -s "$T/fake.port" || { echo "fake API did not start"; return 1; }
	FAKE_PORT=$(cat "$T/fake.port")
	FAKE_URL="http://127.0.0.1:$FAKE_PORT"
}

# reload_fake SCENARIO_FILE: swaps the fake's scenario and waits until the
# fake has loaded it.
reload_fake() {
	local gen
	gen=$(curl -fs "$FAKE_URL/__fake/generation")
	use_scenario "$1"
	kill -HUP "$FAKE_PID"
	wait_until 5 sh -c "[ \"\$(curl -fs $FAKE_URL/__fake/generation)\" -gt $gen ]"
}

# write_config [EXTRA_LIBCONFIG_LINES]: a config for the fake API in $T/doks.conf.
write_config() {
	cat >"$T/doks.conf" <<CONF
api = { url = "$FAKE_URL"; timeout = ${API_TIMEOUT:-5}; max_requests_per_minute = ${API_RPM:-0}; retries = ${API_RETRIES:-0}; ${API_EXTRA:-} };
poll = { interval = ${POLL_INTERVAL:-1}; credentials_interval = ${CRED_INTERVAL:-3600}; credentials_expiry_seconds = 300; options_interval = ${OPTIONS_INTERVAL:-0}; };
$1
CONF
}

# start_exporter [FLAGS...]: runs the exporter with $T/doks.conf on a free
# port; sets EXP_PID, EXP_URL, EXP_LOG.
start_exporter() {
	EXP_LOG="$T/exporter.log"
	: >"$EXP_LOG"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" \
		--web.listen-address=127.0.0.1:0 "$@" 2>>"$EXP_LOG" &
	EXP_PID=$!
	wait_until 10 grep -q 'msg=listening' "$EXP_LOG" || { echo "exporter did not start"; cat "$EXP_LOG"; return 1; }
	EXP_URL="http://$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$EXP_LOG" | head -n1)"
}

# The LD_PRELOAD library that makes chosen calls slow (tests/preload).
PRELOAD="$PWD/$B/tests/preload.so"

# launch_slow VAR=VALUE... -- FLAGS...: the exporter with $T/doks.conf,
# the preload library and the given DOKS_PRELOAD_* settings, in the
# background, without waiting for anything; sets EXP_PID and EXP_LOG and
# notes in $T/preload.log. No proxy: the calls must be the exporter's own.
launch_slow() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	EXP_LOG="$T/exporter.log"
	: >"$EXP_LOG"
	: >"$T/preload.log"
	env -u http_proxy -u https_proxy -u HTTPS_PROXY -u all_proxy -u ALL_PROXY \
		LD_PRELOAD="$PRELOAD" DOKS_PRELOAD_LOG="$T/preload.log" "${envs[@]}" \
		DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" \
		--web.listen-address=127.0.0.1:0 "$@" >"$T/stdout" 2>>"$EXP_LOG" &
	EXP_PID=$!
}

# stop_timed SIGNAL: sends SIGNAL to $EXP_PID and waits for it; sets
# STOP_MS (milliseconds from the signal to the exit) and STOP_RC.
stop_timed() {
	local t0 t1
	t0=$(date +%s%N)
	kill -"$1" "$EXP_PID"
	wait "$EXP_PID"
	STOP_RC=$?
	t1=$(date +%s%N)
	STOP_MS=$(((t1 - t0) / 1000000))
	EXP_PID=
}

# wait_cycles N: waits until the exporter logged N finished rounds (a
# round: a read of the list, and everything due then).
wait_cycles() {
	wait_until 60 sh -c "[ \$(grep -c 'poll cycle finished' '$EXP_LOG') -ge $1 ]"
}

cycles_done() { grep -c 'poll cycle finished' "$EXP_LOG"; }

scrape() { curl -fsS "$EXP_URL${1:-/metrics}"; }

# metric_value 'NAME{labels}' from a scrape ($SCRAPE): prints the value.
metric_value() {
	printf '%s\n' "$SCRAPE" | awk -v k="$1" 'index($0, k " ") == 1 { print $NF; found=1 } END { exit !found }'
}

stop_all() {
	[ -n "${EXP_PID:-}" ] && kill "$EXP_PID" 2>/dev/null && wait "$EXP_PID" 2>/dev/null
	[ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	EXP_PID=
	FAKE_PID=
}

# Masks what changes from run to run: timestamps, durations, latency
# buckets, process figures.
mask_volatile() {
	sed -E \
		-e 's/^((doks_exporter_[a-z_]*_timestamp_seconds|doks_cluster_(upgrade_pending_since|available_upgrade_first_seen|next_maintenance_window)_timestamp_seconds|doks_exporter_poll_duration_seconds|doks_exporter_oldest_data_age_seconds|doks_api_connections_total|doks_api_request_duration_seconds_(bucket|sum)|process_[a-z_]*)(\{[^}]*\})?) .*/\1 X/' \
		-e 's/^(doks_exporter_support_timeline_age_seconds) .*/\1 X/' \
		-e 's/^(doks_exporter_build_info\{version="[^"]*",revision=")[^"]*"/\1X"/'
}

fail() {
	echo "    $*" >&2
	return 1
}

# assert_contains TEXT NEEDLE
assert_has() {
	printf '%s\n' "$1" | grep -qF -- "$2" || fail "expected to find: $2"
}
assert_lacks() {
	if printf '%s\n' "$1" | grep -qF -- "$2"; then fail "expected not to find: $2"; fi
}

PROMTOOL=${PROMTOOL:-promtool}
CLUSTER_PATCH=9b47e2a1-3c58-4f0d-8e6a-c2d19f7b5a30   # staging-api, one patch upgrade
CLUSTER_SEVERAL=c83d0f5a-1e92-4b67-a0c4-6f2e8d9b1a75 # analytics, three upgrades
CLUSTER_CURRENT=5d3c8f0e-6a21-4c79-b1f4-0e9a7d2c4b18 # prod-web, up to date
CLUSTER_FLAKY=e6f1a9c3-4b7d-4e28-9a05-d3b8c2e7f416   # edge-cache

# scenario_with_faults FILE FAULTS_JSON [PATCH_VERSION]: a scenario file of
# the four basic clusters plus the given faults. With PATCH_VERSION the
# "staging-api" cluster's version slug becomes that one, a change the next
# list shows, so that its /upgrades is read again at once (upgrades are
# read on change signals, not every cycle).
scenario_with_faults() {
	local patch="../clusters/patch.json"
	if [ -n "${3:-}" ]; then
		patch="$T/patch-$3.json"
		sed "s/\"version\": \"1.29.1-do.0\"/\"version\": \"$3\"/" \
			"$SCENARIOS/../clusters/patch.json" >"$patch"
	fi
	cat >"$1" <<JSON
{
  "token": "$TOKEN",
  "clusters": [
    { "cluster_file": "../clusters/current.json", "upgrades_file": "../upgrades/null.json" },
    { "cluster_file": "$patch", "upgrades_file": "../upgrades/patch.json" },
    { "cluster_file": "../clusters/several.json", "upgrades_file": "../upgrades/several.json" },
    { "cluster_file": "../clusters/flaky.json", "upgrades_file": "../upgrades/null.json" }
  ],
  "faults": $2
}
JSON
}

