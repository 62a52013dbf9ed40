# The scheduler in real time, as users run it: the default settings
# (pacing on, real intervals), an empty account, one cluster and 150,
# change-driven /upgrades, and the list's edge cases. Timing of the budget
# over hours lives in `make simulate`; these check what a user sees.
# Sourced by run.sh; each t_* function is one test.

# generated_scenario FILE COUNT: COUNT generated clusters, no faults.
generated_scenario() {
	cat >"$1" <<JSON
{ "token": "$TOKEN", "ratelimit": {"limit": 5000, "remaining": 5000, "reset": 1444931833},
  "generate": {"count": $2}, "options_file": "../api/options.json" }
JSON
}

# A configuration with nothing but the API's address: every default.
write_default_config() {
	cat >"$T/doks.conf" <<CONF
api = { url = "$FAKE_URL"; };
$1
CONF
}

# max_in_window LOG SECONDS: the most requests the fake's log holds in any
# window of SECONDS (arrival times, the log's sixth column).
max_in_window() {
	awk -F'\t' -v w="$2" '{ t[NR] = $6 } END {
		lo = 1; most = 0
		for (hi = 1; hi <= NR; hi++) {
			while (t[hi] - t[lo] >= w) lo++
			if (hi - lo + 1 > most) most = hi - lo + 1
		}
		print most }' "$1"
}

# With the defaults and 150 clusters, /-/ready answers within 2 s of the
# start, with every cluster's info on /metrics; and over more than a minute
# of the first round, no 60 s hold more than 60 requests.
t_defaults_150_clusters_ready_at_once_and_paced() {
	generated_scenario "$T/s.json" 150
	start_fake "$T/s.json" || return 1
	write_default_config ""
	local t0 t1
	t0=$(date +%s%N)
	start_exporter || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/-/ready' >/dev/null" || fail "never ready" || return 1
	t1=$(date +%s%N)
	local ms=$(((t1 - t0) / 1000000))
	echo "    ready after $ms ms" >&2
	[ "$ms" -le 2000 ] || fail "ready after $ms ms, want <= 2000" || return 1
	SCRAPE=$(scrape)
	local n
	n=$(printf '%s\n' "$SCRAPE" | grep -c '^doks_cluster_info{')
	[ "$n" = 150 ] || fail "$n clusters on /metrics when ready, want 150" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 150 ] || fail "doks_exporter_clusters" || return 1
	# the first round (1 list, options, 150 upgrades, 150 credentials) is
	# over the per-minute limit: it must spread past the first minute
	sleep 70
	local most
	most=$(max_in_window "$FAKE_LOG" 60)
	echo "    $(wc -l <"$FAKE_LOG") requests in 70 s, at most $most in any 60 s" >&2
	[ "$most" -le 60 ] || fail "$most requests in one 60 s window, want <= 60" || return 1
	[ "$(wc -l <"$FAKE_LOG")" -gt 60 ] || fail "the budget was not used past the burst" || return 1
	# by priority: the list, /options, then new clusters' /upgrades, and
	# not one /credentials while an /upgrades waits
	local ups creds
	ups=$(grep -c '/upgrades' "$FAKE_LOG")
	creds=$(grep -c '/credentials' "$FAKE_LOG")
	[ "$ups" -ge 100 ] || fail "$ups upgrades in 70 s" || return 1
	[ "$ups" = 150 ] || [ "$creds" = 0 ] || fail "$creds credentials before the last of 150 upgrades" || return 1
	[ "$(head -n1 "$FAKE_LOG" | cut -f2)" = /v2/kubernetes/clusters ] || fail "the list is not first" || return 1
	SCRAPE=$(scrape)
	# published as they arrive, not at the end of a round
	[ "$(printf '%s\n' "$SCRAPE" | grep -c '^doks_cluster_upgrade_available{')" -ge 100 ] ||
		fail "upgrades not published as they arrive" || return 1
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="clusters"} 300' || return 1
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="upgrades"} 3600' || return 1
	metric_value 'doks_exporter_oldest_data_age_seconds{endpoint="clusters"}' >/dev/null || fail "no list age" || return 1
	# one line per plan, none per request at info level
	[ "$(grep -c 'msg="request plan"' "$EXP_LOG")" -le 3 ] || fail "the plan is logged too often" || return 1
	if grep -q 'msg="API request"' "$EXP_LOG"; then fail "requests logged at info"; return 1; fi
	return 0
}

# A version change in the list is followed by the cluster's /upgrades within
# poll.interval plus a few seconds, with pacing on.
t_version_change_reads_upgrades() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_default_config "poll = { interval = 5; };"
	start_exporter || return 1
	wait_cycles 1 || return 1
	[ "$(grep -c "$CLUSTER_PATCH/upgrades" "$FAKE_LOG")" = 1 ] || fail "upgrades not read once at start" || return 1
	sleep 1
	# nothing changed: no second read
	[ "$(grep -c "$CLUSTER_PATCH/upgrades" "$FAKE_LOG")" = 1 ] || fail "upgrades read again with no change" || return 1
	scenario_with_faults "$T/s.json" "[]" 1.29.1-do.1
	local t0 t1
	t0=$(date +%s)
	reload_fake "$T/s.json" || return 1
	wait_until 12 sh -c "[ \$(grep -c '$CLUSTER_PATCH/upgrades' '$FAKE_LOG') -ge 2 ]" ||
		fail "no /upgrades within 12 s of the version change" || return 1
	t1=$(date +%s)
	echo "    /upgrades $((t1 - t0)) s after the change (poll.interval 5)" >&2
	[ $((t1 - t0)) -le 8 ] || fail "/upgrades $((t1 - t0)) s after the change, want <= 8" || return 1
	# only that cluster's
	[ "$(grep -c "$CLUSTER_SEVERAL/upgrades" "$FAKE_LOG")" = 1 ] || fail "another cluster's upgrades read again"
}

# An account with no cluster: discovery succeeds with zero clusters.
t_empty_account() {
	cat >"$T/s.json" <<JSON
{ "token": "$TOKEN", "clusters": [] }
JSON
	start_fake "$T/s.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" ||
		fail "--once exit $? for an empty account: $(cat "$T/err")" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value doks_exporter_discovery_success)" = 1 ] || fail "discovery_success not 1" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 0 ] || fail "clusters not 0" || return 1
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check >"$T/check" 2>"$T/err" ||
		fail "--check exit $? for an empty account" || return 1
	start_exporter || return 1
	wait_until 5 sh -c "curl -fs '$EXP_URL/-/ready' >/dev/null" || fail "an empty account is never ready"
}

# A 200 list without the kubernetes_clusters key is a schema error that
# keeps the last clusters; it never empties the account.
t_list_without_key_keeps_clusters() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	scenario_with_faults "$T/s.json" '[{"route": "clusters", "body": "{\"meta\": {\"total\": 0}}"}]'
	reload_fake "$T/s.json" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_clusters)" = 4 ] || fail "clusters dropped on a body without the key" || return 1
	[ "$(metric_value doks_exporter_discovery_success)" = 0 ] || fail "discovery_success not 0" || return 1
	[ "$(metric_value 'doks_api_request_errors_total{endpoint="clusters",reason="schema"}')" -ge 1 ] ||
		fail "schema error not counted" || return 1
	grep -q 'reason=schema' "$EXP_LOG" || fail "not logged"
}

# A cluster listed twice in one listing (offset pagination while clusters
# are created) is one record, one set of series.
t_duplicate_id_in_listing() {
	local c="$SCENARIOS/../clusters"
	printf '{"kubernetes_clusters": [%s, %s, %s], "meta": {"total": 3}}' \
		"$(cat "$c/current.json")" "$(cat "$c/patch.json")" "$(cat "$c/patch.json")" >"$T/dup.json"
	scenario_with_faults "$T/s.json" "[{\"route\": \"clusters\", \"body_file\": \"$T/dup.json\"}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(printf '%s\n' "$SCRAPE" | grep -c "^doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"")" = 1 ] ||
		fail "the twice-listed cluster is not one series" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 2 ] || fail "clusters $(metric_value doks_exporter_clusters), want 2" || return 1
	[ "$(grep -c "$CLUSTER_PATCH/upgrades" "$FAKE_LOG")" = 1 ] || fail "its upgrades read twice" || return 1
	grep -q 'named a cluster more than once' "$T/err" || fail "not logged" || return 1
	"$PROMTOOL" check metrics <"$T/out" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")"
}

# One answer with an implausible ratelimit-limit (1) must not stop polling
# for more than max(poll.interval, 300 s); then the plan follows the next
# answer's headers. Slow by nature: up to five minutes of real time.
t_implausible_rate_limit_header() {
	scenario_with_faults "$T/s.json" '[{"route": "clusters", "times": 1, "headers": {"ratelimit-limit": "1", "ratelimit-remaining": "0"}}]'
	start_fake "$T/s.json" || return 1
	write_default_config "poll = { interval = 1; credentials_interval = 0; options_interval = 0; };"
	start_exporter || return 1
	wait_until 10 sh -c "[ \$(wc -l <'$FAKE_LOG') -ge 1 ]" || return 1
	local first
	first=$(head -n1 "$FAKE_LOG" | cut -f6)
	# the next request comes, at the latest, 300 s after the first
	wait_until 320 sh -c "[ \$(wc -l <'$FAKE_LOG') -ge 2 ]" || fail "polling stopped after ratelimit-limit: 1" || return 1
	local second
	second=$(sed -n 2p "$FAKE_LOG" | cut -f6)
	echo "    next request $(awk -v a="$first" -v b="$second" 'BEGIN { printf "%.1f", b - a }') s after the implausible header" >&2
	awk -v a="$first" -v b="$second" 'BEGIN { exit !(b - a <= 301) }' || fail "gap over 300 s" || return 1
	# the next answers say 5,000 again: polling goes on at the pace
	local n
	n=$(wc -l <"$FAKE_LOG")
	wait_until 10 sh -c "[ \$(wc -l <'$FAKE_LOG') -ge $((n + 3)) ]" || fail "the plan did not follow the next headers"
}

# scenario_with_patch_state FILE STATE: the four basic clusters, the
# "staging-api" one in STATE.
scenario_with_patch_state() {
	python3 - "$SCENARIOS/../clusters/patch.json" "$2" >"$T/patch-$2.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["status"]["state"] = sys.argv[2]
json.dump(c, sys.stdout)
PY
	scenario_with_faults "$1" "[]"
	sed -i "s#\"../clusters/patch.json\"#\"$T/patch-$2.json\"#" "$1"
}

# (c) A cluster that leaves `upgrading` has its /upgrades read again at
# once; entering it, or staying in it, asks for nothing.
t_leaving_upgrading_reads_upgrades() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_default_config "poll = { interval = 2; };"
	start_exporter || return 1
	wait_cycles 1 || return 1
	scenario_with_patch_state "$T/up.json" upgrading
	reload_fake "$T/up.json" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	[ "$(grep -c "$CLUSTER_PATCH/upgrades" "$FAKE_LOG")" = 1 ] || fail "upgrades read while upgrading" || return 1
	SCRAPE=$(scrape)
	assert_has "$SCRAPE" "doks_cluster_status{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",state=\"upgrading\"} 1" || return 1
	reload_fake "$SCENARIOS/basic.json" || return 1
	wait_until 6 sh -c "[ \$(grep -c '$CLUSTER_PATCH/upgrades' '$FAKE_LOG') -ge 2 ]" ||
		fail "no /upgrades within 6 s of leaving upgrading (poll.interval 2)" || return 1
	[ "$(grep -c "$CLUSTER_SEVERAL/upgrades" "$FAKE_LOG")" = 1 ] || fail "another cluster's upgrades read again"
}

# (b) A change of the version set /options offers has every cluster's
# /upgrades read again; an /options answer with the same set, none.
t_options_change_reads_every_upgrades() {
	sed 's/"1.18.8-do.0"/"1.18.9-do.0"/; s/"kubernetes_version": "1.18.8"/"kubernetes_version": "1.18.9"/' \
		"$SCENARIOS/../api/options.json" >"$T/options-new.json"
	grep -q 1.18.9-do.0 "$T/options-new.json" || fail "fixture changed: no 1.18.8-do.0 to replace" || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	# /options every second, which only an unpaced test can afford
	OPTIONS_INTERVAL=1 write_config ""
	start_exporter || return 1
	wait_until 10 sh -c "[ \$(grep -c '/v2/kubernetes/options' '$FAKE_LOG') -ge 3 ]" || fail "options not read every second" || return 1
	[ "$(grep -c '/upgrades' "$FAKE_LOG")" = 4 ] || fail "upgrades read again with the same options" || return 1
	sed "s#\"../api/options.json\"#\"$T/options-new.json\"#" "$SCENARIOS/basic.json" >"$T/s.json"
	reload_fake "$T/s.json" || return 1
	wait_until 8 sh -c "[ \$(grep -c '/upgrades' '$FAKE_LOG') -ge 8 ]" ||
		fail "not every cluster's upgrades read after the options changed: $(grep -c /upgrades "$FAKE_LOG")" || return 1
	grep -q 'msg="the offered versions changed' "$EXP_LOG" || fail "not logged"
}

# Answers are published as they arrive: a slow answer (4 s) does not hold
# back the others of its batch.
t_published_while_a_request_waits() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_SEVERAL\", \"delay_ms\": 4000}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	start_exporter || return 1
	local patch="doks_exporter_poll_success{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",endpoint=\"upgrades\"}"
	local slow="doks_exporter_poll_success{cluster_id=\"$CLUSTER_SEVERAL\",cluster_name=\"analytics\",endpoint=\"upgrades\"}"
	wait_until 3 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF '$patch'" ||
		fail "a fast answer waited for the slow one" || return 1
	SCRAPE=$(scrape)
	assert_lacks "$SCRAPE" "$slow" || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF '$slow'" || fail "the slow answer never published"
}
