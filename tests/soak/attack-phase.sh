#!/usr/bin/env bash
# attack-phase.sh: the soak's attack phase. A second exporter, with basic
# authentication (one user, bcrypt cost 10), is scraped by a real
# Prometheus every second while hostile clients run
# (tests/integration/attack.py): 200 connections trickling a header line
# a second from eight loopback addresses, six loops of wrong logins from
# eight others, and requests with 64 KiB headers; a probe scrapes from yet
# another address. Sourced by soak.sh, which gives it EXPORTER,
# FAKE_URL, SOAK_TOKEN, ROOT and T, and reads ATTACK_REASONS back.
#
#   SOAK_ATTACK_SECONDS   length of the phase [120]; 0 skips it
#   PROMETHEUS            [prometheus]
#
# Figures: Prometheus's scrapes answered (up == 1) and failed, the p99
# of its scrape_duration_seconds, the probe's answered, failed and p99,
# what the attackers got, and the exporter's RSS at the start and the
# end of the phase. FAIL when a Prometheus scrape failed, its p99 or the
# probe's exceeded 1 s, or the exporter died.

ATTACK_REASONS=()
SOAK_ATTACK_SECONDS=${SOAK_ATTACK_SECONDS:-120}
PROMETHEUS=${PROMETHEUS:-prometheus}

attack_phase() {
	local secs=$SOAK_ATTACK_SECONDS A="$T/attack" attack="python3 $ROOT/tests/integration/attack.py"
	[ "$secs" -gt 0 ] || { echo "attack phase:    skipped (SOAK_ATTACK_SECONDS=0)"; return 0; }
	for t in python3 "$PROMETHEUS"; do
		command -v "$t" >/dev/null || { ATTACK_REASONS+=("attack phase: $t is missing"); return 0; }
	done
	mkdir -p "$A"
	# prometheus-pw at cost 10
	cat >"$A/web.yml" <<'YML'
basic_auth_users:
  prometheus: $2b$10$CpWtf39y6hEU5nVFAe.hS.N9JE7Dyvr9C0Dm8Y6DYtPRiRE/IsIRu
YML
	cat >"$A/doks.conf" <<CONF
api = { url = "$FAKE_URL"; timeout = 2; max_requests_per_minute = 0; };
poll = { interval = 5; credentials_interval = 0; };
CONF
	DIGITALOCEAN_TOKEN=$SOAK_TOKEN "$EXPORTER" --config.file="$A/doks.conf" \
		--web.config.file="$A/web.yml" --web.listen-address=127.0.0.1:0 2>"$A/exporter.log" &
	local pid=$! i addr port
	for ((i = 0; i < 200; i++)); do
		grep -q 'msg=listening address=' "$A/exporter.log" && break
		sleep 0.05
	done
	addr=$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$A/exporter.log" | head -n1)
	port=${addr##*:}
	if [ -z "$port" ]; then
		ATTACK_REASONS+=("attack phase: the exporter did not start")
		kill "$pid" 2>/dev/null
		return 0
	fi
	local pport
	pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$A/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: doks
    basic_auth: { username: prometheus, password: prometheus-pw }
    static_configs:
      - targets: ['127.0.0.1:$port']
YML
	"$PROMETHEUS" --config.file="$A/prometheus.yml" --storage.tsdb.path="$A/prom-data" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn 2>"$A/prometheus.log" &
	local prom=$!
	local purl="http://127.0.0.1:$pport"
	for ((i = 0; i < 400; i++)); do
		curl -fs --noproxy '*' "$purl/-/ready" >/dev/null 2>&1 && break
		sleep 0.05
	done
	sleep 3 # a few scrapes before the attack: the login is cached
	local rss0
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	echo "soak: attack phase: $secs s against 127.0.0.1:$port, Prometheus on $purl"
	local t0=$SECONDS
	$attack trickle 127.0.0.1 "$port" --count 200 --sources 127.0.0.2-9 --every 1 \
		--seconds "$secs" >"$A/trickle.json" 2>"$A/trickle.err" &
	local p1=$!
	$attack logins "http://127.0.0.1:$port/metrics" --parallel 6 --sources 127.0.0.10-17 \
		--seconds "$secs" >"$A/logins.json" 2>"$A/logins.err" &
	local p2=$!
	$attack oversize 127.0.0.1 "$port" --seconds "$secs" >"$A/oversize.json" 2>"$A/oversize.err" &
	local p3=$!
	$attack probe "http://127.0.0.1:$port/metrics" --source 127.0.0.100 --user prometheus \
		--password prometheus-pw --every 0.5 --seconds "$secs" --timeout 5 \
		>"$A/probe.json" 2>"$A/probe.err" &
	local p4=$!
	local rss_max=0 r
	while kill -0 "$p1" 2>/dev/null && [ $((SECONDS - t0)) -lt $((secs + 30)) ]; do
		r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
		echo "$((SECONDS - t0)) ${r:-0}" >>"$A/rss.log"
		sleep 1
	done
	wait "$p1" "$p2" "$p3" "$p4" 2>/dev/null
	local rss1 range=$((SECONDS - t0))
	rss1=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	local at
	at=$(date +%s) # one evaluation time for every query, so that they count the same scrapes
	q() {
		curl -fsS --noproxy '*' -G "$purl/api/v1/query" --data-urlencode "query=$1" \
			--data-urlencode "time=$at" 2>/dev/null |
			python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "n/a")' 2>/dev/null
	}
	local up_n up_ok prom_p99
	up_n=$(q "count_over_time(up{job=\"doks\"}[${range}s])")
	up_ok=$(q "sum_over_time(up{job=\"doks\"}[${range}s])")
	prom_p99=$(q "quantile_over_time(0.99, scrape_duration_seconds{job=\"doks\"}[${range}s])")
	local alive=yes
	kill -0 "$pid" 2>/dev/null || alive=no
	kill "$prom" "$pid" 2>/dev/null
	wait "$prom" "$pid" 2>/dev/null
	echo "attack phase:    $range s; exporter alive at the end: $alive"
	echo "  Prometheus:    scrapes ${up_ok:-n/a} answered of ${up_n:-n/a}, p99 scrape_duration_seconds ${prom_p99:-n/a} s"
	echo "  probe:         $(cat "$A/probe.json" 2>/dev/null)"
	echo "  trickle:       $(cat "$A/trickle.json" 2>/dev/null)"
	echo "  logins:        $(cat "$A/logins.json" 2>/dev/null)"
	echo "  oversize:      $(cat "$A/oversize.json" 2>/dev/null)"
	echo "  exporter RSS:  start ${rss0:-n/a} KiB, end ${rss1:-n/a} KiB, max $rss_max KiB;" \
		"at each quarter: $(awk -v n="$range" '$1 > 0 && $1 % int(n / 4 + 1) == 0 { printf "%s ", $2 }' "$A/rss.log" 2>/dev/null)KiB"
	[ "$alive" = yes ] || ATTACK_REASONS+=("the exporter died in the attack phase")
	if [ "$up_n" = n/a ] || [ "$up_ok" != "$up_n" ]; then
		ATTACK_REASONS+=("Prometheus scrapes failed in the attack phase (${up_ok:-n/a} of ${up_n:-n/a})")
	fi
	awk -v p="$prom_p99" 'BEGIN { exit !(p != "n/a" && p < 1) }' ||
		ATTACK_REASONS+=("Prometheus scrape p99 $prom_p99 s in the attack phase")
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(not (j["failed"] == 0 and j["answered"] > 0 and j["p99"] < 1))' \
		"$A/probe.json" 2>/dev/null || ATTACK_REASONS+=("the probe failed in the attack phase: $(cat "$A/probe.json" 2>/dev/null)")
}
