#!/usr/bin/env bash
# soak.sh: the exporter against the fake API in chaos mode for thousands of
# cycles, scraped all the while. Run by `make soak`; not part of CI.
#
#   BUILD=build bash tests/soak/soak.sh
#
# Environment (defaults in brackets):
#   BUILD          where doks_exporter and fakeapi are [build]
#   SOAK_CYCLES    stop after this many finished poll cycles [2000]
#   SOAK_SECONDS   ... or after this many seconds, whichever comes first [1800]
#   SOAK_WARMUP    cycles before the first RSS sample [50]
#   SOAK_RSS_CYCLES cycles over which each RSS figure is taken [5]
#   SOAK_STALL     seconds without a finished cycle that count as a hang [300]
#   SOAK_SCENARIO  the fake's scenario [tests/fixtures/scenarios/chaos.json]
#   SOAK_TOKEN     the scenario's token [test-token]
#   SOAK_KEEP      1: keep the work directory (logs) even after a PASS [0]
#   PROMTOOL       [promtool]
#   SOAK_ATTACK_SECONDS  the attack phase at the end [120]; 0 skips it
#                  (tests/soak/attack-phase.sh: trickling connections,
#                  login floods and oversize headers while Prometheus
#                  scrapes a second exporter with basic authentication)
#
# Verdict: FAIL when a scrape failed (not HTTP 200, or rejected by promtool
# on every 50th), when the exporter or the fake died, when no poll cycle
# finished for SOAK_STALL seconds (a hung poller), or when the
# exporter's RSS grew by more than 10% and more than 1 MiB between the end
# of the warm-up and the end; PASS otherwise. RSS is read every second; as
# a cycle's buffers (up to api.max_response_bytes each) come and go and
# malloc gives memory back only now and then, one reading can be off by
# megabytes, so each figure the verdict compares is the median of the
# readings over SOAK_RSS_CYCLES cycles: the first ones after the warm-up,
# and the last ones. The single readings are printed too. Exit status 0 for PASS, 1 for
# FAIL, 2 when the run could not start.
#
# Everything binds 127.0.0.1 on ports chosen at run time. Every loop is
# bounded in count and time, and the trap stops both processes and the
# scraper on any exit.
# shellcheck disable=SC2317  # functions called from traps and wait_for
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
EXPORTER=$BUILD/doks_exporter
FAKEAPI=$BUILD/fakeapi
SOAK_CYCLES=${SOAK_CYCLES:-2000}
SOAK_SECONDS=${SOAK_SECONDS:-1800}
SOAK_WARMUP=${SOAK_WARMUP:-50}
SOAK_RSS_CYCLES=${SOAK_RSS_CYCLES:-5}
SOAK_STALL=${SOAK_STALL:-300}
SOAK_SCENARIO=${SOAK_SCENARIO:-$ROOT/tests/fixtures/scenarios/chaos.json}
SOAK_TOKEN=${SOAK_TOKEN:-test-token}
SOAK_KEEP=${SOAK_KEEP:-0}
PROMTOOL=${PROMTOOL:-promtool}

SCRAPES_PER_SECOND=20   # at most
PROMTOOL_EVERY=50       # scrapes
SCRAPE_TIMEOUT=5        # seconds a scrape may take
RSS_GROWTH_PCT=10
RSS_GROWTH_MIN_KB=1024

for n in SOAK_CYCLES SOAK_SECONDS SOAK_WARMUP SOAK_RSS_CYCLES SOAK_STALL; do
	if ! [[ ${!n} =~ ^[0-9]+$ ]] || [ "${!n}" -eq 0 ]; then
		echo "soak: $n must be a positive integer" >&2
		exit 2
	fi
done
for b in "$EXPORTER" "$FAKEAPI"; do
	[ -x "$b" ] || { echo "soak: $b is missing (make all $BUILD/fakeapi)" >&2; exit 2; }
done
for t in curl "$PROMTOOL" awk; do
	command -v "$t" >/dev/null || { echo "soak: $t is missing" >&2; exit 2; }
done
[ -r "$SOAK_SCENARIO" ] || { echo "soak: no scenario $SOAK_SCENARIO" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/doks-soak.XXXXXX")
# shellcheck source=tests/soak/attack-phase.sh
. "$ROOT/tests/soak/attack-phase.sh"
FAKE_PID=
EXP_PID=
SCRAPER_PID=
VERDICT=

# Stops what is still running: TERM, then KILL after 5 s at the latest.
stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# The scraper is given the time to finish its curl (bounded by
# SCRAPE_TIMEOUT) and leave by itself, so that no curl outlives the run.
stop_scraper() {
	local i
	[ -n "$SCRAPER_PID" ] || return 0
	: >"$T/stop" 2>/dev/null || true
	for ((i = 0; i < (SCRAPE_TIMEOUT + 2) * 20; i++)); do
		kill -0 "$SCRAPER_PID" 2>/dev/null || break
		sleep 0.05
	done
	stop_pid "$SCRAPER_PID"
	SCRAPER_PID=
}

cleanup() {
	trap - EXIT INT TERM
	stop_pid "$EXP_PID"
	stop_scraper
	stop_pid "$FAKE_PID"
	SCRAPER_PID='' EXP_PID='' FAKE_PID=''
	if [ "$VERDICT" = PASS ] && [ "$SOAK_KEEP" != 1 ]; then
		rm -rf "$T"
	else
		echo "soak: logs kept in $T"
	fi
}
trap cleanup EXIT
trap 'echo "soak: interrupted"; VERDICT=INTERRUPTED; exit 1' INT TERM

now() { date +%s; }

# alive PID: the process exists and is no zombie.
alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
		! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# rss_kb PID: VmRSS in KiB, or nothing.
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# wait_for SECONDS COMMAND...: true once COMMAND succeeds (every 50 ms).
wait_for() {
	local i limit=$(($1 * 20))
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

cycles_done() { grep -c 'poll cycle finished' "$T/exporter.log" 2>/dev/null || true; }
cycles_above() { [ "$(cycles_done)" -gt "$1" ]; }

# ---- the fake API ----
"$FAKEAPI" --scenario "$SOAK_SCENARIO" --listen 127.0.0.1 \
	--port-file "$T/fake.port" 2>"$T/fakeapi.log" &
FAKE_PID=$!
wait_for 10 test -s "$T/fake.port" || {
	echo "soak: the fake API did not start" >&2; cat "$T/fakeapi.log" >&2; exit 2; }
FAKE_URL=http://127.0.0.1:$(cat "$T/fake.port")
curl -fsS -m 2 "$FAKE_URL/__fake/chaos" >/dev/null || {
	echo "soak: this fakeapi has no chaos mode (/__fake/chaos)" >&2; exit 2; }

# ---- the exporter's configuration ----
# api.max_requests_per_minute = 0 switches rate pacing off, where the
# exporter knows the key (an unknown key exits 2, naming it).
cat >"$T/probe.conf" <<CONF
api = { url = "http://127.0.0.1:1"; timeout = 1; max_requests_per_minute = 0; };
poll = { interval = 1; credentials_interval = 0; };
CONF
rc=0
DIGITALOCEAN_TOKEN=probe timeout 10 "$EXPORTER" --config.file="$T/probe.conf" \
	--once >/dev/null 2>"$T/probe.log" || rc=$?
if [ $rc -eq 2 ] && grep -q 'max_requests_per_minute' "$T/probe.log"; then
	PACING=
	PACING_NOTE="api.max_requests_per_minute unknown to this exporter: not set"
elif [ $rc -eq 2 ] || [ $rc -eq 124 ]; then
	echo "soak: the exporter rejects the probe configuration (exit $rc)" >&2
	cat "$T/probe.log" >&2
	exit 2
else
	PACING="max_requests_per_minute = 0;"
	PACING_NOTE="api.max_requests_per_minute = 0 (pacing off)"
fi
cat >"$T/doks.conf" <<CONF
api = { url = "$FAKE_URL"; timeout = 2; $PACING };
poll = { interval = 1; credentials_interval = 5; };
CONF

# ---- the exporter ----
DIGITALOCEAN_TOKEN=$SOAK_TOKEN "$EXPORTER" --config.file="$T/doks.conf" \
	--web.listen-address=127.0.0.1:0 2>"$T/exporter.log" &
EXP_PID=$!
wait_for 10 grep -q 'msg=listening address=' "$T/exporter.log" || {
	echo "soak: the exporter did not start" >&2; cat "$T/exporter.log" >&2; exit 2; }
EXP_ADDR=$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$T/exporter.log" | head -n1)
EXP_ADDR=${EXP_ADDR//\"/}
case $EXP_ADDR in
127.0.0.1:[0-9]*) ;;
*) echo "soak: unexpected listening address '$EXP_ADDR'" >&2; exit 2 ;;
esac
METRICS=http://$EXP_ADDR/metrics

START=$(now)
DEADLINE=$((START + SOAK_SECONDS))
echo "soak: exporter pid $EXP_PID on $EXP_ADDR, fake API pid $FAKE_PID on $FAKE_URL"
echo "soak: up to $SOAK_CYCLES cycles or $SOAK_SECONDS s; $PACING_NOTE; work dir $T"

# ---- the scraper ----
# Scrapes until $T/stop exists or the deadline (plus a margin) passes, at
# most SCRAPES_PER_SECOND a second. Writes its counts to $T/scrapes
# ("TOTAL FAILED") after every scrape, each failure to $T/scrape_failures,
# and keeps the latest good body as $T/last.prom.
scraper() {
	local total=0 failed=0 code rc why lint
	local end=$((DEADLINE + 30)) max=$(((SOAK_SECONDS + 30) * SCRAPES_PER_SECOND))
	local gap
	gap=$(awk -v n="$SCRAPES_PER_SECOND" 'BEGIN { printf "%.3f", 1 / n }')
	while [ ! -e "$T/stop" ] && [ "$total" -lt "$max" ] && [ "$(now)" -lt "$end" ]; do
		rc=0
		code=$(curl -sS -m "$SCRAPE_TIMEOUT" -o "$T/scrape.prom" -w '%{http_code}' \
			"$METRICS" 2>"$T/scrape.err") || rc=$?
		total=$((total + 1))
		why=
		if [ $rc -ne 0 ] || [ "$code" != 200 ]; then
			why="curl exit $rc, HTTP $code: $(head -c 200 "$T/scrape.err")"
		elif [ $((total % PROMTOOL_EVERY)) -eq 0 ]; then
			if ! lint=$("$PROMTOOL" check metrics <"$T/scrape.prom" 2>&1) ||
				[ -n "$lint" ]; then
				why="promtool: $(printf '%s' "$lint" | head -c 500)"
				cp "$T/scrape.prom" "$T/rejected.$total.prom"
			fi
		fi
		if [ -n "$why" ]; then
			failed=$((failed + 1))
			printf '%s scrape %d: %s\n' "$(date -u +%FT%TZ)" "$total" "$why" \
				>>"$T/scrape_failures"
		else
			mv -f "$T/scrape.prom" "$T/last.prom"
		fi
		echo "$total $failed" >"$T/scrapes.new" && mv -f "$T/scrapes.new" "$T/scrapes"
		sleep "$gap"
	done
}
scraper &
SCRAPER_PID=$!

# ---- watching ----
WARM_RSS='' WARM_FAKE_RSS='' WARM_CYCLE='' WARM_AT=''
MAX_RSS=0 MAX_FAKE_RSS=0
END_REASON=
STALLED=0
LAST_REPORT=$START
cycles=0
last_cycles=0
last_change=$START
for ((tick = 0; tick < SOAK_SECONDS + 10; tick++)); do
	if ! alive "$EXP_PID"; then END_REASON="the exporter died"; break; fi
	if ! alive "$FAKE_PID"; then END_REASON="the fake API died"; break; fi
	cycles=$(cycles_done)
	if [ "$cycles" -ne "$last_cycles" ]; then
		last_cycles=$cycles
		last_change=$(now)
	elif [ $(($(now) - last_change)) -ge "$SOAK_STALL" ]; then
		STALLED=1
		END_REASON="no poll cycle finished for $SOAK_STALL s"
		break
	fi
	r=$(rss_kb "$EXP_PID")
	[ -n "$r" ] && [ "$r" -gt "$MAX_RSS" ] && MAX_RSS=$r
	f=$(rss_kb "$FAKE_PID")
	[ -n "$f" ] && [ "$f" -gt "$MAX_FAKE_RSS" ] && MAX_FAKE_RSS=$f
	echo "$(($(now) - START)) $cycles ${r:-0} ${f:-0}" >>"$T/rss.log"
	if [ -z "$WARM_RSS" ] && [ "$cycles" -ge "$SOAK_WARMUP" ]; then
		WARM_RSS=$r WARM_FAKE_RSS=$f WARM_CYCLE=$cycles WARM_AT=$(($(now) - START))
		echo "soak: warm-up done after $cycles cycles (${WARM_AT} s): exporter RSS $r KiB, fake $f KiB"
	fi
	if [ "$cycles" -ge "$SOAK_CYCLES" ]; then END_REASON="$SOAK_CYCLES cycles"; break; fi
	if [ "$(now)" -ge "$DEADLINE" ]; then END_REASON="$SOAK_SECONDS seconds"; break; fi
	if ! alive "$SCRAPER_PID"; then END_REASON="the scraper stopped early"; break; fi
	if [ $(($(now) - LAST_REPORT)) -ge 60 ]; then
		LAST_REPORT=$(now)
		echo "soak: $((LAST_REPORT - START)) s: $cycles cycles, scrapes (total failed) $(cat "$T/scrapes" 2>/dev/null), RSS $r KiB"
	fi
	sleep 1
done
[ -n "$END_REASON" ] || END_REASON="watch loop bound"
ELAPSED=$(($(now) - START))

# ---- final figures ----
EXP_DIED=0
if alive "$EXP_PID"; then
	# one more finished cycle, so that the fake's counts and the last
	# scrape describe (nearly) the same moment
	c0=$(cycles_done)
	[ $STALLED -eq 1 ] || wait_for 120 cycles_above "$c0" || true
	END_RSS=$(rss_kb "$EXP_PID")
	HWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$EXP_PID/status" 2>/dev/null)
	END_FAKE_RSS=$(rss_kb "$FAKE_PID")
	echo "$(($(now) - START)) $(cycles_done) ${END_RSS:-0} ${END_FAKE_RSS:-0}" >>"$T/rss.log"
	curl -fsS -m 5 "$FAKE_URL/__fake/chaos" >"$T/chaos.txt" 2>/dev/null || : >"$T/chaos.txt"
	FAKE_REQUESTS=$(curl -fsS -m 5 "$FAKE_URL/__fake/requests" 2>/dev/null || echo '?')
	curl -fsS -m 5 -o "$T/final.prom" "$METRICS" 2>/dev/null && mv -f "$T/final.prom" "$T/last.prom"
	cycles=$(cycles_done)
else
	EXP_DIED=1
	wait "$EXP_PID" 2>/dev/null
	EXP_STATUS=$?
	EXP_PID=
	END_RSS='' HWM=''
	END_FAKE_RSS=$(rss_kb "$FAKE_PID")
	curl -fsS -m 5 "$FAKE_URL/__fake/chaos" >"$T/chaos.txt" 2>/dev/null || : >"$T/chaos.txt"
	FAKE_REQUESTS=$(curl -fsS -m 5 "$FAKE_URL/__fake/requests" 2>/dev/null || echo '?')
fi
stop_scraper
# the attack phase, against the same fake API, while it still runs
alive "$FAKE_PID" && attack_phase >"$T/attack.txt" 2>&1
SCRAPES=0 FAILED=0
[ -s "$T/scrapes" ] && read -r SCRAPES FAILED <"$T/scrapes"

# sum_by FILE METRIC LABEL: "value label" lines, summed over other labels.
sum_by() {
	[ -s "$1" ] || return 0
	awk -v m="$2" -v l="$3" '
		index($0, m "{") == 1 {
			v = $0; sub(".*" l "=\"", "", v); sub("\".*", "", v)
			s[v] += $NF
		}
		END { for (k in s) printf "%s %d\n", k, s[k] }' "$1" | sort
}
chaos_n() { awk -v m="$1" '$1 == m { print $2 }' "$T/chaos.txt"; }
err_n() { sum_by "$T/last.prom" doks_api_request_errors_total reason | awk -v r="$1" '$1 == r { print $2 }'; }

echo
echo "==== soak summary ===="
echo "ended by:        $END_REASON after $ELAPSED s"
echo "cycles:          $cycles (finished poll cycles)"
echo "scrapes:         $SCRAPES, failed: $FAILED"
[ -s "$T/scrape_failures" ] && head -n 5 "$T/scrape_failures" | sed 's/^/                 /'
echo "fake requests:   $FAKE_REQUESTS"
echo "chaos faults:    $(tr '\n' ' ' <"$T/chaos.txt")"
echo "errors by reason (doks_api_request_errors_total, all endpoints):"
sum_by "$T/last.prom" doks_api_request_errors_total reason | sed 's/^/                 /'
echo "errors by endpoint:"
sum_by "$T/last.prom" doks_api_request_errors_total endpoint | sed 's/^/                 /'
echo "answers by code (doks_api_requests_total):"
sum_by "$T/last.prom" doks_api_requests_total code | sed 's/^/                 /'
# What the chaos modes should have produced, against what was counted
# (requests in flight at the end make a few differences normal).
# compare LABEL EXPECTED COUNTED
compare() {
	local note=same
	[ "$2" = "$3" ] || note="differs by $(($3 - $2))"
	printf '                 %-34s %6s  counted %6s  (%s)\n' "$1" "$2" "$3" "$note"
}
if [ $EXP_DIED -eq 0 ] && [ -s "$T/chaos.txt" ] && [ -s "$T/last.prom" ]; then
	echo "chaos faults against the exporter's errors:"
	compare "status + html -> reason=status" $(($(chaos_n status) + $(chaos_n html))) "$(err_n status)"
	compare "never + stall_body -> timeout" $(($(chaos_n never) + $(chaos_n stall_body))) "$(err_n timeout)"
	compare "reset -> reset" "$(chaos_n reset)" "$(err_n reset)"
	compare "truncate -> parse" "$(chaos_n truncate)" "$(err_n parse)"
	compare "oversize -> too_large" "$(chaos_n oversize)" "$(err_n too_large)"
fi
# median_rss COLUMN FROM_CYCLE [TO_CYCLE]: the median reading (KiB) of
# column 3 (exporter) or 4 (fake) over cycles FROM..TO of rss.log.
median_rss() {
	awk -v c="$1" -v lo="$2" -v hi="${3:-999999999}" \
		'$2 >= lo && $2 <= hi && $c > 0 { print $c }' "$T/rss.log" 2>/dev/null |
		sort -n | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'
}
WARM_MED='' END_MED='' WARM_FAKE_MED='' END_FAKE_MED=''
if [ -n "$WARM_CYCLE" ]; then
	warm_to=$((WARM_CYCLE + SOAK_RSS_CYCLES - 1))
	end_from=$((cycles - SOAK_RSS_CYCLES + 1))
	[ "$end_from" -gt "$WARM_CYCLE" ] || end_from=$WARM_CYCLE
	WARM_MED=$(median_rss 3 "$WARM_CYCLE" "$warm_to")
	WARM_FAKE_MED=$(median_rss 4 "$WARM_CYCLE" "$warm_to")
	if [ $EXP_DIED -eq 0 ]; then
		END_MED=$(median_rss 3 "$end_from")
		END_FAKE_MED=$(median_rss 4 "$end_from")
	fi
	echo "exporter RSS:    warm-up ${WARM_MED:-n/a} KiB (median, cycles $WARM_CYCLE-$warm_to)," \
		"end ${END_MED:-n/a} KiB (median, cycles $end_from-$cycles)"
	echo "fake API RSS:    warm-up ${WARM_FAKE_MED:-n/a} KiB, end ${END_FAKE_MED:-n/a} KiB (same windows)"
fi
echo "RSS readings:    exporter: at warm-up ${WARM_RSS:-n/a} KiB (cycle ${WARM_CYCLE:-n/a}, ${WARM_AT:-n/a} s)," \
	"at the end ${END_RSS:-n/a} KiB, min $(sort -n -k3 "$T/rss.log" 2>/dev/null | awk '$3 > 0 { print $3; exit }') KiB," \
	"max $MAX_RSS KiB, VmHWM ${HWM:-n/a} KiB"
echo "                 fake API: at warm-up ${WARM_FAKE_RSS:-n/a} KiB, at the end ${END_FAKE_RSS:-n/a} KiB, max $MAX_FAKE_RSS KiB"
echo "exporter log:    $(grep -c 'level=error' "$T/exporter.log" || true) error lines," \
	"$(grep -c 'level=warn' "$T/exporter.log" || true) warn lines"

[ -s "$T/attack.txt" ] && cat "$T/attack.txt"

REASONS=("${ATTACK_REASONS[@]}")
[ "$FAILED" -eq 0 ] || REASONS+=("$FAILED failed scrapes")
[ "$SCRAPES" -gt 0 ] || REASONS+=("no scrape at all")
if [ $EXP_DIED -eq 1 ]; then
	REASONS+=("the exporter died (exit status $EXP_STATUS)")
	tail -n 5 "$T/exporter.log" | sed 's/^/                 /'
fi
alive "$FAKE_PID" || REASONS+=("the fake API died")
[ $STALLED -eq 0 ] || REASONS+=("the poller hung: no cycle for $SOAK_STALL s")
if [ -n "$WARM_MED" ] && [ -n "$END_MED" ]; then
	growth=$((END_MED - WARM_MED))
	echo "RSS growth:      $growth KiB ($(awk -v g="$growth" -v w="$WARM_MED" 'BEGIN { printf "%.1f", 100 * g / w }')%) between the medians"
	if [ "$growth" -gt "$RSS_GROWTH_MIN_KB" ] &&
		[ $((growth * 100)) -gt $((WARM_MED * RSS_GROWTH_PCT)) ]; then
		REASONS+=("RSS grew by $growth KiB after the warm-up")
	fi
elif [ $EXP_DIED -eq 0 ]; then
	echo "RSS growth:      not judged: the run ended before $SOAK_WARMUP cycles of warm-up"
fi
if [ ${#REASONS[@]} -eq 0 ]; then
	VERDICT=PASS
	echo "verdict:         PASS"
	exit 0
fi
VERDICT=FAIL
line="verdict:         FAIL: ${REASONS[0]}"
for r in "${REASONS[@]:1}"; do line="$line; $r"; done
echo "$line"
exit 1
