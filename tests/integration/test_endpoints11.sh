# Upgrade readiness, the per-cluster reads: clusterlint, status messages
# and associated resources (src/endpoints/), against the fake API's
# readiness scenario. Sourced by run.sh.

ANALYTICS=$CLUSTER_SEVERAL # four status messages, a clean clusterlint run
PROD_WEB=$CLUSTER_CURRENT  # never linted, no messages, no resources
STAGING=$CLUSTER_PATCH     # one diagnostic of each severity
EDGE=$CLUSTER_FLAKY        # diagnostics and resources by count

# write_config11 [POLL_KEYS] [EXTRA_LINES]: a config for the fake API with
# the given extra poll keys (the readiness intervals).
write_config11() {
	cat >"$T/doks.conf" <<CONF
api = { url = "$FAKE_URL"; timeout = 5; max_requests_per_minute = ${API_RPM:-0}; retries = 0; };
poll = { interval = ${POLL_INTERVAL:-1}; credentials_interval = 3600; options_interval = 0; ${1:-} };
${2:-}
CONF
}

# once11 [FLAGS...]: one --once run with $T/doks.conf; SCRAPE gets its
# output, ONCE_RC its status, $T/err its log.
once11() {
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once "$@" >"$T/out" 2>"$T/err"
	ONCE_RC=$?
	SCRAPE=$(cat "$T/out")
}

# Samples of the readiness families for one cluster id.
readiness_series() {
	printf '%s\n' "$SCRAPE" | grep -E '^doks_cluster_(clusterlint_|status_messages|last_status_message|associated_resources)' |
		grep -F "cluster_id=\"$1\"" || true
}

t_clusterlint_metrics() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11
	once11
	[ "$ONCE_RC" = 0 ] || fail "--once: want 0, got $ONCE_RC: $(tail -3 "$T/err")" || return 1
	local s="cluster_id=\"$STAGING\",cluster_name=\"staging-api\""
	# every severity of each check, 0 included
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$s,severity=\"error\",check_name=\"admission-controller-webhook-timeout\"} 1" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$s,severity=\"warning\",check_name=\"admission-controller-webhook-timeout\"} 0" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$s,severity=\"warning\",check_name=\"dobs-pod-owner\"} 1" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$s,severity=\"suggestion\",check_name=\"made-up-suggestion\"} 1" || return 1
	[ "$(printf '%s\n' "$SCRAPE" | grep -c "^doks_cluster_clusterlint_diagnostics{$s,")" = 9 ] ||
		fail "staging-api: want 3 checks x 3 severities" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_last_run_timestamp_seconds{$s} 1772942411" || return 1
	# counts given by severity
	local e="cluster_id=\"$EDGE\",cluster_name=\"edge-cache\""
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$e,severity=\"error\",check_name=\"fake-error-check\"} 2" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$e,severity=\"warning\",check_name=\"fake-warning-check\"} 3" || return 1
	assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$e,severity=\"suggestion\",check_name=\"fake-suggestion-check\"} 1" || return 1
	# a clean run: all three severities at 0, and its time
	local a="cluster_id=\"$ANALYTICS\",cluster_name=\"analytics\""
	for sev in error warning suggestion; do
		assert_has "$SCRAPE" "doks_cluster_clusterlint_diagnostics{$a,severity=\"$sev\",check_name=\"\"} 0" || return 1
	done
	assert_has "$SCRAPE" "doks_cluster_clusterlint_last_run_timestamp_seconds{$a} 1772337607" || return 1
	# names and messages of findings are never labels, never logged
	for secret in sample-webhook.example.com db-5c9f7d8b6-q2wxl web-7d4b9c6f5 "Validating webhook" "Pod referencing"; do
		assert_lacks "$SCRAPE" "$secret" || return 1
		grep -qF "$secret" "$T/err" && fail "logged: $secret" && return 1
	done
	# the request: a GET of .../clusterlint, never the POST that starts a run
	grep -qP "^GET\t/v2/kubernetes/clusters/$STAGING/clusterlint\t-\t" "$FAKE_LOG" || fail "no GET of clusterlint" || return 1
	return 0
}

t_clusterlint_never_linted() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11
	once11
	[ "$ONCE_RC" = 0 ] || fail "never linted made --once fail ($ONCE_RC)" || return 1
	local p="cluster_id=\"$PROD_WEB\",cluster_name=\"prod-web\""
	# the API said 404 not_found ...
	grep -qP "^GET\t/v2/kubernetes/clusters/$PROD_WEB/clusterlint\t" "$FAKE_LOG" || fail "clusterlint not asked" || return 1
	# ... which is no error: poll success, no warning, the cluster stays
	assert_has "$SCRAPE" "doks_exporter_poll_success{$p,endpoint=\"clusterlint\"} 1" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{$p," || return 1
	[ "$(metric_value doks_exporter_clusters)" = 4 ] || fail "doks_exporter_clusters $(metric_value doks_exporter_clusters)" || return 1
	grep 'level=warn' "$T/err" | grep -q clusterlint && fail "a warning for a never-linted cluster: $(grep level=warn "$T/err")" && return 1
	assert_has "$SCRAPE" 'doks_api_requests_total{endpoint="clusterlint",code="404"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="clusterlint",reason="status"} 0' || return 1
	# told apart from a clean run: no clusterlint series at all
	printf '%s\n' "$SCRAPE" | grep -q "^doks_cluster_clusterlint_[a-z_]*{$p" &&
		fail "clusterlint series for a cluster never linted" && return 1
	# its other readiness series are there
	assert_has "$SCRAPE" "doks_cluster_associated_resources{$p,kind=\"load_balancer\"} 0" || return 1
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{$p} 0" || return 1
	return 0
}

# scenario_messages FILE MESSAGES [TOP_LEVEL]: the readiness scenario with
# analytics' messages as given (a JSON array) and the top-level keys of
# TOP_LEVEL (a JSON object, e.g. {"status_messages_since": ...}).
scenario_messages() {
	python3 - "$SCENARIOS/readiness.json" "$1" "$2" "${3:-}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["clusters"][2]["status_messages"] = {"messages": json.loads(sys.argv[3])}
if sys.argv[4]:
    s.update(json.loads(sys.argv[4]))
json.dump(s, open(sys.argv[2], "w"))
PY
}

t_status_messages_cursor_survives_restart() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11 "" "state = { file = \"$T/state.json\"; };"
	once11
	[ "$ONCE_RC" = 0 ] || fail "first --once: $ONCE_RC" || return 1
	local a="cluster_id=\"$ANALYTICS\",cluster_name=\"analytics\""
	# the first read ever: no since, every message, each logged once at info
	grep -qP "^GET\t/v2/kubernetes/clusters/$ANALYTICS/status_messages\t-\t" "$FAKE_LOG" ||
		fail "the first read sent a since" || return 1
	[ "$(grep -c 'level=info msg="cluster status message"' "$T/err")" = 4 ] ||
		fail "want 4 messages logged: $(grep -c 'status message' "$T/err")" || return 1
	grep -q "msg=\"cluster status message\" cluster_id=$ANALYTICS cluster_name=analytics timestamp=2026-03-02T11:05:41.532Z text=\"Resource provisioning may be delayed while our team resolves an incident\"" "$T/err" ||
		fail "message line: $(grep 'status message' "$T/err" | head -3)" || return 1
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{$a} 4" || return 1
	assert_has "$SCRAPE" "doks_cluster_last_status_message_timestamp_seconds{$a} 1772524800" || return 1
	grep -q '"status_messages_since"' "$T/state.json" || fail "no cursor in the state file: $(cat "$T/state.json")" || return 1
	# texts never become labels
	assert_lacks "$SCRAPE" "droplet limit" || return 1

	# a restart with the same state file: since = the newest seen, nothing
	# logged again
	: >"$FAKE_LOG"
	once11
	[ "$ONCE_RC" = 0 ] || fail "second --once: $ONCE_RC" || return 1
	grep -qP "^GET\t/v2/kubernetes/clusters/$ANALYTICS/status_messages\tsince=2026-03-03T08:00:00Z\t" "$FAKE_LOG" ||
		fail "since not sent: $(grep status_messages "$FAKE_LOG")" || return 1
	grep -q 'cluster status message' "$T/err" && fail "a message logged twice" && return 1
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{$a} 0" || return 1
	assert_has "$SCRAPE" "doks_cluster_last_status_message_timestamp_seconds{$a} 1772524800" || return 1

	# a new message: logged once, counted, nothing lost
	scenario_messages "$T/m.json" '[{"message": "m1", "timestamp": "2026-03-03T08:00:00Z"},
		{"message": "new \"one\"", "timestamp": "2026-03-04T09:30:00Z"}]'
	reload_fake "$T/m.json" || return 1
	once11
	[ "$(grep -c 'cluster status message' "$T/err")" = 1 ] || fail "want 1 new message logged: $(grep 'status message' "$T/err")" || return 1
	grep -q 'timestamp=2026-03-04T09:30:00Z text="new \\"one\\""' "$T/err" || fail "text not escaped: $(grep 'status message' "$T/err")" || return 1
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{$a} 1" || return 1
	assert_has "$SCRAPE" "doks_cluster_last_status_message_timestamp_seconds{$a} 1772616600" || return 1
	return 0
}

# An API that includes the message at exactly `since`: still no repeat.
t_status_messages_at_or_after() {
	scenario_messages "$T/m.json" '[{"message": "a", "timestamp": "2026-03-02T09:14:03Z"},
		{"message": "b", "timestamp": "2026-03-02T11:05:41.532Z"}]' '{"status_messages_since": "at_or_after"}'
	start_fake "$T/m.json" || return 1
	POLL_INTERVAL=1 write_config11 "status_messages_interval = 1;"
	start_exporter || return 1
	# several reads of the same messages with the cursor
	wait_until 30 sh -c "[ \$(grep -c 'status_messages	since=2026-03-02T11:05:41Z' '$FAKE_LOG') -ge 2 ]" ||
		fail "since not sent again: $(grep status_messages "$FAKE_LOG" | tail -3)" || return 1
	SCRAPE=$(scrape)
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{cluster_id=\"$ANALYTICS\",cluster_name=\"analytics\"} 2" || return 1
	[ "$(grep -c 'cluster status message' "$EXP_LOG")" = 2 ] || fail "messages logged $(grep -c 'cluster status message' "$EXP_LOG") times, want 2" || return 1
	return 0
}

t_associated_resources_counts() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11
	once11
	[ "$ONCE_RC" = 0 ] || fail "--once: $ONCE_RC" || return 1
	local s="cluster_id=\"$STAGING\",cluster_name=\"staging-api\"" e="cluster_id=\"$EDGE\",cluster_name=\"edge-cache\""
	for k in load_balancer volume volume_snapshot; do
		assert_has "$SCRAPE" "doks_cluster_associated_resources{$s,kind=\"$k\"} 1" || return 1
	done
	assert_has "$SCRAPE" "doks_cluster_associated_resources{$e,kind=\"load_balancer\"} 2" || return 1
	assert_has "$SCRAPE" "doks_cluster_associated_resources{$e,kind=\"volume\"} 1" || return 1
	assert_has "$SCRAPE" "doks_cluster_associated_resources{$e,kind=\"volume_snapshot\"} 3" || return 1
	# counts only: no id, no name
	for x in test-load-balancer-1 lb-001 volume-001 4235 ba49449a-7435; do
		assert_lacks "$SCRAPE" "$x" || return 1
	done
	# a plain GET of the list, never .../dangerous
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters/[^/]+/destroy_with_associated_resources\t-\t' "$FAKE_LOG")" = 4 ] ||
		fail "want 4 GETs of destroy_with_associated_resources" || return 1
	grep -q 'dangerous\|selective' "$FAKE_LOG" && fail "a destroy was called" && return 1
	return 0
}

# A fault on each new endpoint: counted by reason, logged, poll success 0,
# the last values kept elsewhere, --once fails.
t_readiness_faults_counted() {
	python3 - "$SCENARIOS/readiness.json" "$T/faults.json" "$STAGING" "$ANALYTICS" "$EDGE" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["faults"] = [
    {"route": "clusterlint", "cluster_id": sys.argv[3], "status": 500},
    {"route": "clusterlint", "cluster_id": sys.argv[5], "body": "{\"diagnostics\": 5}"},
    {"route": "status_messages", "cluster_id": sys.argv[4], "mode": "html"},
    {"route": "destroy_with_associated_resources", "cluster_id": sys.argv[5], "status": 503},
    {"route": "associated_resources", "cluster_id": sys.argv[3], "mode": "truncate"},
]
json.dump(s, open(sys.argv[2], "w"))
PY
	start_fake "$T/faults.json" || return 1
	write_config11
	once11
	[ "$ONCE_RC" = 1 ] || fail "--once with failed requests: want 1, got $ONCE_RC" || return 1
	local s="cluster_id=\"$STAGING\",cluster_name=\"staging-api\"" a="cluster_id=\"$ANALYTICS\",cluster_name=\"analytics\"" e="cluster_id=\"$EDGE\",cluster_name=\"edge-cache\""
	assert_has "$SCRAPE" "doks_exporter_poll_success{$s,endpoint=\"clusterlint\"} 0" || return 1
	assert_has "$SCRAPE" "doks_exporter_poll_success{$e,endpoint=\"clusterlint\"} 0" || return 1
	assert_has "$SCRAPE" "doks_exporter_poll_success{$a,endpoint=\"status_messages\"} 0" || return 1
	assert_has "$SCRAPE" "doks_exporter_poll_success{$e,endpoint=\"associated_resources\"} 0" || return 1
	assert_has "$SCRAPE" "doks_exporter_poll_success{$s,endpoint=\"associated_resources\"} 0" || return 1
	assert_has "$SCRAPE" "doks_exporter_poll_success{$a,endpoint=\"clusterlint\"} 1" || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="clusterlint",reason="status"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="clusterlint",reason="schema"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="status_messages",reason="status"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="associated_resources",reason="status"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_request_errors_total{endpoint="associated_resources",reason="parse"} 1' || return 1
	assert_has "$SCRAPE" 'doks_api_requests_total{endpoint="clusterlint",code="500"} 1' || return 1
	grep -q "level=warn msg=\"API answered with an error\" endpoint=clusterlint cluster_id=$STAGING status=500" "$T/err" ||
		fail "the 500 is not logged: $(grep level=warn "$T/err" | head -3)" || return 1
	grep -q "level=warn msg=\"API answer could not be used\" endpoint=clusterlint cluster_id=$EDGE reason=schema" "$T/err" ||
		fail "the schema error is not logged" || return 1
	grep -q "level=warn msg=\"API answered with an error\" endpoint=status_messages cluster_id=$ANALYTICS status=502" "$T/err" ||
		fail "the html answer is not logged" || return 1
	# the failed reads left no series behind, the others are there
	readiness_series "$STAGING" | grep -q associated_resources && fail "series from a truncated body" && return 1
	assert_has "$SCRAPE" "doks_cluster_status_messages_total{cluster_id=\"$PROD_WEB\",cluster_name=\"prod-web\"} 0" || return 1
	# a failed clusterlint never makes the cluster leave
	[ "$(metric_value doks_exporter_clusters)" = 4 ] || fail "a cluster left" || return 1
	return 0
}

t_readiness_intervals_zero_disable() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11 "clusterlint_interval = 0; status_messages_interval = 0; associated_resources_interval = 0;"
	start_exporter || return 1
	wait_cycles 3 || return 1
	SCRAPE=$(scrape)
	grep -qE 'clusterlint|status_messages|destroy_with_associated_resources' "$FAKE_LOG" &&
		fail "a disabled endpoint was called: $(grep -E 'clusterlint|status_messages|destroy' "$FAKE_LOG" | head -2)" && return 1
	printf '%s\n' "$SCRAPE" | grep -qE '^doks_cluster_(clusterlint_|status_messages|last_status_message|associated_resources)' &&
		fail "series of a disabled endpoint" && return 1
	printf '%s\n' "$SCRAPE" | grep -qE '^doks_exporter_(poll_success|endpoint_interval_seconds)\{.*endpoint="(clusterlint|status_messages|associated_resources)"' &&
		fail "a disabled endpoint in the poll health or the plan" && return 1
	grep 'msg="request plan"' "$EXP_LOG" | grep -qE 'clusterlint=|status_messages=|associated_resources=' &&
		fail "a disabled endpoint in the plan's log line" && return 1
	# each on its own
	stop_all
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config11 "status_messages_interval = 0;"
	once11
	grep -q 'status_messages' "$FAKE_LOG" && fail "status_messages_interval = 0 still reads them" && return 1
	grep -q '/clusterlint' "$FAKE_LOG" || fail "clusterlint went with it" || return 1
	grep -q '/destroy_with_associated_resources' "$FAKE_LOG" || fail "associated resources went with it" || return 1
	return 0
}

# True once the exporter publishes a stretched status_messages interval.
status_messages_stretched() {
	scrape | awk '/^doks_exporter_endpoint_interval_seconds\{endpoint="status_messages"\}/ { found = 1; ok = $2 > 600 }
		END { exit !(found && ok) }'
}

# The request plan carries the new endpoints, and stretches them before
# /upgrades when the budget is short.
t_readiness_request_plan() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	POLL_INTERVAL=300 write_config11
	start_exporter || return 1
	wait_until 20 grep -q 'msg="request plan".*associated_resources=' "$EXP_LOG" || fail "no plan with the readiness endpoints" || return 1
	grep 'msg="request plan"' "$EXP_LOG" | tail -1 | grep -q 'upgrades=3600s credentials=3600s clusterlint=3600s status_messages=600s associated_resources=3600s' ||
		fail "plan: $(grep 'msg="request plan"' "$EXP_LOG" | tail -1)" || return 1
	wait_until 20 sh -c "curl -fs $EXP_URL/metrics | grep -q 'doks_exporter_endpoint_interval_seconds{endpoint=\"associated_resources\"}'" || return 1
	SCRAPE=$(scrape)
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="clusterlint"} 3600' || return 1
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="status_messages"} 600' || return 1
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="associated_resources"} 3600' || return 1
	# 4 clusters: the list 12, upgrades, credentials, clusterlint and
	# resources 4 each, status messages 24 an hour (52), scheduled 5 % early
	local planned
	planned=$(metric_value doks_exporter_planned_requests_per_hour)
	awk -v p="$planned" 'BEGIN { exit !(p > 54.7 && p < 54.8) }' || fail "planned $planned, want 54.74 (52/0.95)" || return 1
	stop_all

	# a token allowed 80 an hour (40 for the exporter): the lowest
	# priorities stretch first, /upgrades keeps its hour
	python3 - "$SCENARIOS/readiness.json" "$T/small.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
s["ratelimit"] = {"limit": 80, "remaining": 80, "reset": 1444931833}
json.dump(s, open(sys.argv[2], "w"))
PY
	start_fake "$T/small.json" || return 1
	API_RPM=60 POLL_INTERVAL=300 write_config11
	start_exporter || return 1
	wait_until 20 grep -q 'msg="request plan".*stretched' "$EXP_LOG" || fail "no stretched plan: $(grep 'request plan' "$EXP_LOG")" || return 1
	# the plan follows the token's limit once an answer showed it
	wait_until 20 status_messages_stretched ||
		fail "status_messages not stretched: $(scrape | grep endpoint_interval)" || return 1
	SCRAPE=$(scrape)
	assert_has "$SCRAPE" 'doks_exporter_endpoint_interval_seconds{endpoint="upgrades"} 3600' || return 1
	return 0
}
