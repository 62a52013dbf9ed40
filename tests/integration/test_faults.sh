# API faults, rate limits, retries and reloads: the exporter keeps serving,
# counts each failure with its reason, and never hammers the API.
# Sourced by run.sh; each t_* function is one test.

# fault_matrix_case NAME FAULT_JSON ENDPOINT REASON [EXPECT_LOG]: a healthy
# first cycle, then the fault for one cluster (whose version moves, so that
# its /upgrades is read again at once); afterwards the failure is
# counted with its reason, the cluster keeps its last good values with
# poll_success 0, /metrics is served and promtool is content.
fault_matrix_case() {
	local name=$1 fault=$2 endpoint=$3 reason=$4 expect_log=${5:-}
	echo "  case $name" >&2
	start_fake "$SCENARIOS/basic.json" || return 1
	API_TIMEOUT=1 CRED_INTERVAL=1 API_EXTRA="max_response_bytes = 65536;" write_config ""
	start_exporter || return 1
	wait_cycles 1 || fail "[$name] no first cycle" || return 1
	scenario_with_faults "$T/s.json" "[$fault]" 1.29.1-do.1
	reload_fake "$T/s.json" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || fail "[$name] cycles stopped" || return 1
	SCRAPE=$(curl -fsS --max-time 5 "$EXP_URL/metrics") || fail "[$name] /metrics not served" || return 1
	local v
	v=$(metric_value "doks_api_request_errors_total{endpoint=\"$endpoint\",reason=\"$reason\"}")
	[ "${v:-0}" -ge 1 ] || fail "[$name] reason $reason not counted: $(printf '%s\n' "$SCRAPE" | grep 'errors_total.* [1-9]')" || return 1
	local pe=$endpoint
	[ "$endpoint" = clusters ] || {
		[ "$(metric_value "doks_exporter_poll_success{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",endpoint=\"$pe\"}")" = 0 ] ||
			fail "[$name] poll_success not 0" || return 1
	}
	# the last good values stay
	[ "$(metric_value "doks_cluster_available_upgrade_info{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",version_slug=\"1.29.2-do.0\",kubernetes_version=\"1.29.2\",kind=\"patch\"}")" = 1 ] ||
		fail "[$name] last good values lost" || return 1
	printf '%s\n' "$SCRAPE" >"$T/scrape.prom"
	"$PROMTOOL" check metrics <"$T/scrape.prom" >"$T/lint" 2>&1 || fail "[$name] promtool: $(cat "$T/lint")" || return 1
	if [ -n "$expect_log" ]; then
		grep -qF -- "$expect_log" "$EXP_LOG" || fail "[$name] log lacks: $expect_log" || return 1
	fi
	kill -0 "$EXP_PID" || fail "[$name] the exporter died" || return 1
	stop_all
}

t_fault_matrix_status_codes() {
	local c="\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\""
	fault_matrix_case 401 "{$c, \"status\": 401}" upgrades status "the token was rejected" || return 1
	fault_matrix_case 403 "{$c, \"status\": 403}" upgrades status "the token lacks the kubernetes:read scope" || return 1
	fault_matrix_case 403-credentials "{\"route\": \"credentials\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 403}" \
		credentials status "the token lacks the kubernetes:access_cluster scope" || return 1
	fault_matrix_case 500 "{$c, \"status\": 500}" upgrades status "error_id=server_error" || return 1
	fault_matrix_case 502 "{$c, \"status\": 502}" upgrades status || return 1
	fault_matrix_case 503 "{$c, \"status\": 503}" upgrades status || return 1
	fault_matrix_case 429 "{$c, \"status\": 429, \"headers\": {\"retry-after\": \"1\"}}" upgrades status "rate limited" || return 1
	fault_matrix_case html "{$c, \"status\": 502, \"mode\": \"html\"}" upgrades status || return 1
}

t_fault_matrix_transport() {
	local c="\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\""
	fault_matrix_case never "{$c, \"mode\": \"never\"}" upgrades timeout || return 1
	fault_matrix_case stall-body "{$c, \"mode\": \"stall_body\"}" upgrades timeout || return 1
	fault_matrix_case reset "{$c, \"mode\": \"reset\"}" upgrades reset || return 1
	fault_matrix_case oversize "{$c, \"mode\": \"oversize\", \"size\": 50000000}" upgrades too_large || return 1
}

t_fault_matrix_bodies() {
	local c="\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\""
	fault_matrix_case truncated "{$c, \"mode\": \"truncate\"}" upgrades parse || return 1
	fault_matrix_case invalid-json "{$c, \"body\": \"{not json\"}" upgrades parse || return 1
	fault_matrix_case wrong-types "{$c, \"body\": \"{\\\"available_upgrade_versions\\\": [{\\\"slug\\\": 5}]}\"}" upgrades schema || return 1
	fault_matrix_case null-list "{\"route\": \"clusters\", \"body\": \"{\\\"kubernetes_clusters\\\": [{\\\"id\\\": null, \\\"name\\\": null, \\\"region\\\": null, \\\"version\\\": null, \\\"node_pools\\\": null}], \\\"meta\\\": null}\"}" \
		clusters schema || return 1
	fault_matrix_case wrong-shape-cluster "{\"route\": \"clusters\", \"body\": \"{\\\"kubernetes_clusters\\\": {\\\"id\\\": 1}}\"}" clusters schema || return 1
}

# Memory stays bounded whatever the API sends: a 50 MB answer is cut at the cap.
t_oversized_bodies_keep_memory_bounded() {
	scenario_with_faults "$T/s.json" '[{"route": "upgrades", "mode": "oversize", "size": 200000000, "chunked": true}]'
	start_fake "$T/s.json" || return 1
	API_EXTRA="max_response_bytes = 1048576;" write_config ""
	start_exporter || return 1
	wait_cycles 3 || return 1
	local rss
	rss=$(awk '/^VmHWM/ {print $2}' "/proc/$EXP_PID/status")
	# peak RSS in kB: far below one 200 MB body (sanitizer builds carry more)
	[ "$rss" -lt 100000 ] || fail "peak RSS $rss kB"
}

t_ten_thousand_versions() {
	local body
	body=$(awk 'BEGIN { printf "{\\\"available_upgrade_versions\\\": ["; for (i = 0; i < 10000; i++) printf "%s{\\\"slug\\\": \\\"1.%d.0-do.0\\\", \\\"kubernetes_version\\\": \\\"1.%d.0\\\"}", (i ? "," : ""), i + 30, i + 30; printf "]}" }')
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"body\": \"$body\"}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?: $(tail -3 "$T/err")" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value "doks_cluster_available_upgrades{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\"}")" = 10000 ] || fail "count" || return 1
	[ "$(grep -c "^doks_cluster_available_upgrade_info{cluster_id=\"$CLUSTER_PATCH\"" "$T/out")" = 10000 ] || fail "series" || return 1
	"$PROMTOOL" check metrics <"$T/out" >"$T/lint" 2>&1 || fail "promtool: $(head -3 "$T/lint")"
}

t_invalid_utf8_names() {
	printf '{"kubernetes_clusters": [{"id": "'"$CLUSTER_PATCH"'", "name": "bad-\xff\xfe-utf8-\xc3", "region": "nyc1", "version": "1.29.1-do.0", "node_pools": []}], "meta": {"total": 1}}' >"$T/list.json"
	scenario_with_faults "$T/s.json" "[{\"route\": \"clusters\", \"body_file\": \"$T/list.json\"}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	grep -q 'cluster_name="bad-��-utf8-�"' "$T/out" || fail "invalid UTF-8 not replaced: $(grep doks_cluster_info "$T/out")" || return 1
	"$PROMTOOL" check metrics <"$T/out" >"$T/lint" 2>&1 || fail "promtool: $(head -3 "$T/lint")"
}

# ------------------------------------------------------------ retries

# path_requests PATH_SUFFIX: how many requests of the fake's log end so.
path_requests() {
	awk -F'\t' -v p="$1" 'substr($2, length($2) - length(p) + 1) == p' "$FAKE_LOG" | wc -l
}

t_retry_5xx_then_success() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 503, \"times\": 2}]"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=60 API_RETRIES=2 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" ||
		fail "two 503s then 200 with retries = 2 must succeed: $(tail -3 "$T/err")" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(path_requests "$CLUSTER_PATCH/upgrades")" = 3 ] || fail "want 3 tries, got $(path_requests "$CLUSTER_PATCH/upgrades")" || return 1
	[ "$(metric_value 'doks_api_retries_total{endpoint="upgrades"}')" = 2 ] || fail "retries_total" || return 1
	[ "$(metric_value 'doks_api_requests_total{endpoint="upgrades",code="503"}')" = 2 ] || fail "503s counted" || return 1
	[ "$(metric_value "doks_exporter_poll_success{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",endpoint=\"upgrades\"}")" = 1 ] || fail "poll_success"
}

t_retry_gives_up() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"mode\": \"reset\"}]"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=60 API_RETRIES=1 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "want exit 1" || return 1
	[ "$(path_requests "$CLUSTER_PATCH/upgrades")" = 2 ] || fail "want 2 tries (1 retry), got $(path_requests "$CLUSTER_PATCH/upgrades")" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value 'doks_api_request_errors_total{endpoint="upgrades",reason="reset"}')" = 2 ] || fail "each failed try counted"
}

t_no_retry_for_4xx() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 403}, {\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_SEVERAL\", \"status\": 400}]"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=60 API_RETRIES=3 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "want exit 1" || return 1
	[ "$(path_requests "$CLUSTER_PATCH/upgrades")" = 1 ] || fail "403 retried" || return 1
	[ "$(path_requests "$CLUSTER_SEVERAL/upgrades")" = 1 ] || fail "400 retried"
}

# ------------------------------------------------------------ rate limits

t_429_honours_retry_after() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 429, \"times\": 1, \"headers\": {\"retry-after\": \"2\"}}]"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=60 API_RETRIES=1 CRED_INTERVAL=0 write_config ""
	local t0 t1
	t0=$(date +%s)
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" ||
		fail "the retry after the pause must succeed: $(tail -3 "$T/err")" || return 1
	t1=$(date +%s)
	SCRAPE=$(cat "$T/out")
	local until
	until=$(metric_value doks_api_throttled_until_timestamp_seconds)
	# the pause ends 2 s after the 429, which came between t0 and t1
	awk -v u="$until" -v a="$t0" -v b="$t1" 'BEGIN { exit !(u >= a + 2 - 1 && u <= b + 2 + 1) }' ||
		fail "throttled_until $until not 2 s after the 429 ($t0..$t1)" || return 1
	[ "$(path_requests "$CLUSTER_PATCH/upgrades")" = 2 ] || fail "want the 429 and one retry" || return 1
	# the retry waited for the pause: at least 2 s in all (a lower bound only)
	[ $((t1 - t0)) -ge 2 ] || fail "the retry did not wait for retry-after"
}

t_429_without_retry_after_uses_reset() {
	local reset=$(($(date +%s) + 3))
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 429, \"times\": 1, \"headers\": {\"ratelimit-reset\": \"$reset\"}}]"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=60 API_RETRIES=1 CRED_INTERVAL=0 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" ||
		fail "exit $?: $(tail -3 "$T/err")" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value doks_api_throttled_until_timestamp_seconds)" = "$reset" ] ||
		fail "throttled until $(metric_value doks_api_throttled_until_timestamp_seconds), want the reset $reset"
}

# retry-after: 0 on every answer must not become a tight loop.
t_429_is_never_a_tight_loop() {
	scenario_with_faults "$T/s.json" '[{"route": "any", "status": 429, "headers": {"retry-after": "0"}}]'
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=5 API_RETRIES=10 write_config ""
	local t0 t1
	t0=$(date +%s%N)
	start_exporter || return 1
	# about 4 s of a server that always says 429
	sleep 4
	local n
	n=$(wc -l <"$FAKE_LOG")
	t1=$(date +%s%N)
	# at most one request a second, whatever retries allows
	[ "$n" -le $(((t1 - t0) / 1000000000 + 1)) ] || fail "$n requests in $(((t1 - t0) / 1000000)) ms of 429s"
}

# The plan stretches what the budget cannot carry, lowest priority first,
# and says so: a 1 % share of 5,000 an hour is 50 requests, of which the
# plan hands out 90 %; the list alone would cost 63 an hour at 60 s.
t_budget_stretches_the_plan() {
	start_fake "$SCENARIOS/basic.json" || return 1
	API_RPM=120 CRED_INTERVAL=0 POLL_INTERVAL=60 API_EXTRA="hourly_budget_fraction = 0.01;" write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	SCRAPE=$(cat "$T/out")
	local list up
	list=$(metric_value doks_exporter_effective_poll_interval_seconds)
	# 3600 / (45 * 0.95): the list keeps all it can get
	awk -v v="$list" 'BEGIN { exit !(v > 84.1 && v < 84.3) }' || fail "list interval $list, want 84.2" || return 1
	[ "$(metric_value 'doks_exporter_endpoint_interval_seconds{endpoint="clusters"}')" = "$list" ] || fail "list interval not exported" || return 1
	up=$(metric_value 'doks_exporter_endpoint_interval_seconds{endpoint="upgrades"}')
	# the floor of 5 % of the budget: 4 clusters / 2.5 an hour, 95 % of it
	awk -v v="$up" 'BEGIN { exit !(v > 6060 && v < 6066) }' || fail "upgrades interval $up, want 6063" || return 1
	grep -q 'msg="request plan".*clusters=84s(stretched).*upgrades=6063s(stretched)' "$T/err" ||
		fail "no log line for the stretched plan: $(grep 'request plan' "$T/err")" || return 1
	# with the defaults nothing is stretched
	API_RPM=60 CRED_INTERVAL=0 POLL_INTERVAL=300 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value doks_exporter_effective_poll_interval_seconds)" = 300 ] || fail "list stretched with the defaults" || return 1
	if grep -q stretched "$T/err"; then fail "stretched with the defaults"; return 1; fi
	return 0
}

# A small fleet's first round leaves at once: the burst is the per-minute
# limit, and no request waits for the pace.
t_small_fleet_first_round_at_once() {
	start_fake "$SCENARIOS/basic.json" || return 1
	API_RPM=60 CRED_INTERVAL=3600 POLL_INTERVAL=300 write_config ""
	local t0 t1
	t0=$(date +%s%N)
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	t1=$(date +%s%N)
	# the list, then five reads for each of the 4 clusters (upgrades,
	# credentials, clusterlint, status messages, associated resources)
	[ "$(wc -l <"$FAKE_LOG")" = 21 ] || fail "$(wc -l <"$FAKE_LOG") requests, want 21" || return 1
	# 21 requests spaced evenly at 60 a minute would take 20 s
	[ $(((t1 - t0) / 1000000)) -lt 4000 ] || fail "21 requests took $(((t1 - t0) / 1000000)) ms"
}

t_low_remaining_slows_down() {
	local reset=$(($(date +%s) + 20))
	# every answer says 10 of 5,000 are left until reset: 2 s between requests
	scenario_with_faults "$T/s.json" "[{\"route\": \"any\", \"headers\": {\"ratelimit-remaining\": \"10\", \"ratelimit-reset\": \"$reset\"}}]"
	start_fake "$T/s.json" || return 1
	API_RPM=250 CRED_INTERVAL=0 POLL_INTERVAL=60 write_config ""
	local t0 t1
	t0=$(date +%s%N)
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	t1=$(date +%s%N)
	# unrationed, 5 requests at 250 a minute take about 1 s; rationed,
	# four gaps of (time to reset) / 10 (a lower bound only)
	[ $(((t1 - t0) / 1000000)) -ge 5000 ] || fail "took $(((t1 - t0) / 1000000)) ms, want >= 5000 with 10 left"
}

# ------------------------------------------------------------ reload

t_reload_applies_a_valid_file() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	SCRAPE=$(scrape)
	local before
	before=$(metric_value doks_exporter_config_last_reload_success_timestamp_seconds)
	# watch one cluster by id only
	write_config "clusters = { discover = false; ids = [ \"$CLUSTER_PATCH\" ]; };"
	kill -HUP "$EXP_PID"
	wait_until 5 grep -q 'msg="configuration reloaded"' "$EXP_LOG" || fail "no reload log line" || return 1
	# nothing is lost at the reload: the old four until the reloaded
	# round publishes its one (it starts at once and may be done, a single
	# request, before this scrape), never a snapshot without them
	SCRAPE=$(scrape)
	local c
	c=$(metric_value doks_exporter_clusters)
	[ "$c" = 4 ] || [ "$c" = 1 ] || fail "series lost at reload: $c clusters" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_clusters)" = 1 ] || fail "reloaded ids not applied" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"" || return 1
	[ "$(metric_value doks_exporter_config_last_reload_successful)" = 1 ] || fail "reload_successful" || return 1
	awk -v a="$(metric_value doks_exporter_config_last_reload_success_timestamp_seconds)" -v b="$before" 'BEGIN { exit !(a > b) }' ||
		fail "reload timestamp not updated" || return 1
	# counters survive the reload
	[ "$(metric_value 'doks_api_requests_total{endpoint="clusters",code="200"}')" -ge 1 ] || fail "counters reset"
}

t_reload_rejects_an_invalid_file() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	cp "$T/doks.conf" "$T/good.conf"
	sed -i 's/^poll = {/poll = { bogus = 2;/' "$T/doks.conf"
	kill -HUP "$EXP_PID"
	wait_until 5 grep -q 'configuration reload failed' "$EXP_LOG" || fail "no failure log line" || return 1
	grep -q "file=$T/doks.conf line=2 key=poll.bogus" "$EXP_LOG" || fail "file and line not named: $(grep 'level=error' "$EXP_LOG")" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || fail "polling stopped after a bad reload" || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_config_last_reload_successful)" = 0 ] || fail "reload_successful not 0" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 4 ] || fail "the running configuration was disturbed" || return 1
	# and a good file afterwards recovers
	cp "$T/good.conf" "$T/doks.conf"
	kill -HUP "$EXP_PID"
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_config_last_reload_successful)" = 1 ] || fail "did not recover"
}

# Scrapes in a loop while cycles publish (the TSan build runs this one).
t_scrape_while_publishing() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	local i start
	start=$(cycles_done)
	for i in $(seq 1 300); do
		curl -fsS "$EXP_URL/metrics" -o /dev/null || fail "scrape $i failed" || return 1
		[ "$(cycles_done)" -ge $((start + 3)) ] && [ "$i" -ge 100 ] && break
	done
	[ "$(cycles_done)" -gt "$start" ] || fail "no cycle published during the scrapes" || return 1
	stop_all
	if grep -q 'ThreadSanitizer\|AddressSanitizer\|runtime error' "$EXP_LOG"; then
		fail "sanitizer report: $(grep -A5 'Sanitizer' "$EXP_LOG" | head -20)"
		return 1
	fi
	return 0
}

# A batch runs at most api.max_parallel transfers, over connections that
# stay open from one request, and one cycle, to the next.
t_connections_are_reused() {
	start_fake "$SCENARIOS/basic.json" || return 1
	# credentials every second: enough requests to need several connections
	CRED_INTERVAL=1 API_EXTRA="max_parallel = 3;" write_config ""
	start_exporter || return 1
	wait_cycles 5 || return 1
	SCRAPE=$(scrape)
	local conns requests
	conns=$(metric_value doks_api_connections_total)
	requests=$(printf '%s\n' "$SCRAPE" | awk '/^doks_api_requests_total\{/ { s += $NF } END { print s }')
	[ "$requests" -ge 25 ] || fail "only $requests requests in 5 cycles" || return 1
	# at most one connection per parallel transfer (and one for the list)
	[ "$conns" -ge 1 ] && [ "$conns" -le 4 ] || fail "$conns connections for $requests requests, want 1..4"
}

# At most api.max_parallel transfers at once: with every upgrades call
# hanging, exactly that many reach the API until the time-out frees them.
t_parallel_transfers_are_bounded() {
	scenario_with_faults "$T/s.json" '[{"route": "upgrades", "mode": "never"}]'
	start_fake "$T/s.json" || return 1
	API_TIMEOUT=4 CRED_INTERVAL=0 API_EXTRA="max_parallel = 2;" write_config ""
	start_exporter || return 1
	wait_until 10 sh -c "[ \$(grep -c '/upgrades' '$FAKE_LOG') -ge 2 ]" || fail "not 2 transfers at once" || return 1
	# no third one while the two hang (the time-out is 4 s away)
	sleep 1
	[ "$(grep -c '/upgrades' "$FAKE_LOG")" = 2 ] || fail "$(grep -c /upgrades "$FAKE_LOG") transfers at once, want 2"
}
