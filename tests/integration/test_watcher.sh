# The upgrade watcher: --check, the state file, accounts, /options,
# maintenance windows and certificates. Sourced by run.sh.

# A scenario of the basic clusters, all up to date.
scenario_all_current() {
	cat >"$1" <<JSON
{
  "token": "$TOKEN",
  "clusters": [
    { "cluster_file": "../clusters/current.json", "upgrades_file": "../upgrades/null.json" },
    { "cluster_file": "../clusters/patch.json", "upgrades_file": "../upgrades/empty.json" },
    { "cluster_file": "../clusters/several.json", "upgrades_file": "../upgrades/missing-key.json" }
  ]
}
JSON
}

t_check_exit_status() {
	# every release of the scenarios supported for a year: with the
	# shipped table they are past their end of support (action, exit 1)
	timeline_far "$T/timeline.json"
	scenario_all_current "$T/current.json"
	start_fake "$T/current.json" || return 1
	write_config "$(support_line "$T/timeline.json")"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check >"$T/out" 2>"$T/err"
	[ $? = 0 ] || fail "all current: want 0: $(cat "$T/out")" || return 1
	grep -q '^CLUSTER ' "$T/out" || fail "no table header" || return 1
	[ "$(grep -c ' running ' "$T/out")" = 3 ] || fail "want 3 rows" || return 1
	stop_all

	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "upgrades pending: want 1" || return 1
	grep -q 'staging-api .*1.29.2-do.0 (patch)' "$T/out" || fail "the patch upgrade is not shown: $(cat "$T/out")" || return 1
	grep -q 'analytics .*1.30.5-do.0 (minor)' "$T/out" || fail "the minor upgrade is not shown" || return 1
	stop_all

	# a failed request wins over a pending upgrade
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check >"$T/out" 2>"$T/err"
	[ $? = 2 ] || fail "a failed request: want 2" || return 1
	grep -q 'edge-cache .* ? ' "$T/out" || fail "unknown upgrades not shown as ?" || return 1
	# and a bad configuration is 2 as well
	printf 'poll = { interval = 0; };\n' >"$T/bad.conf"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/bad.conf" --check >/dev/null 2>&1
	[ $? = 2 ] || fail "bad configuration: want 2" || return 1
	"$EXPORTER" --check --output=yaml >/dev/null 2>&1
	[ $? = 2 ] || fail "--output=yaml accepted"
}

t_check_json() {
	start_fake "$SCENARIOS/demo.json" || return 1
	OPTIONS_INTERVAL=3600 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check --output json >"$T/out" 2>"$T/err"
	[ $? = 2 ] || fail "want 2 (the demo's failing call)" || return 1
	python3 - "$T/out" <<'PY' || fail "JSON contract: $(cat "$T/out" | head -20)"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["request_failed"] is True and d["upgrade_pending"] is True
c = {x["name"]: x for x in d["clusters"]}
assert set(c) == {"prod-web", "staging-api", "analytics", "edge-cache"}, c.keys()
a = c["analytics"]
kinds = sorted((u["version_slug"], u["kind"]) for u in a["upgrades"])
assert kinds == [("1.29.2-do.0", "patch"), ("1.30.5-do.0", "minor"), ("1.31.1-do.0", "minor")], kinds
assert a["pending_since"].endswith("Z") and a["auto_upgrade"] is True
assert a["version_supported"] is False
assert c["prod-web"]["upgrades"] == [] and c["prod-web"]["pending_since"] is None
assert c["prod-web"]["version_supported"] is True
assert c["prod-web"]["ca_expiry"] == "2036-11-25T01:46:14Z"
assert c["staging-api"]["next_maintenance_window"].endswith(":00:00Z")
PY
}

t_state_survives_restarts() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config "state = { file = \"$T/state.json\"; };"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/first" 2>"$T/err" || return 1
	[ -s "$T/state.json" ] || fail "no state file written" || return 1
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/state.json" || fail "state file is not JSON" || return 1
	local key="doks_cluster_upgrade_pending_since_timestamp_seconds{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\"}"
	SCRAPE=$(cat "$T/first")
	local first
	first=$(metric_value "$key") || fail "no pending-since series" || return 1
	# a second run, a moment later: the same times, read from the file
	sleep 1.1
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/second" 2>"$T/err" || return 1
	SCRAPE=$(cat "$T/second")
	[ "$(metric_value "$key")" = "$first" ] || fail "pending since changed across a restart: $first -> $(metric_value "$key")" || return 1
	[ "$(metric_value "doks_cluster_available_upgrade_first_seen_timestamp_seconds{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",version_slug=\"1.29.2-do.0\"}")" = "$first" ] ||
		fail "first seen changed" || return 1
	# the up-to-date cluster has no entry and no series
	assert_lacks "$SCRAPE" "doks_cluster_upgrade_pending_since_timestamp_seconds{cluster_id=\"$CLUSTER_CURRENT\"" || return 1
	# the cluster upgrades: its entry goes
	stop_all
	scenario_all_current "$T/current.json"
	start_fake "$T/current.json" || return 1
	sed -i "s#url = \"[^\"]*\"#url = \"$FAKE_URL\"#" "$T/doks.conf"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>&1 || return 1
	# (its upgrade history stays, under "histories")
	if python3 -c 'import json,sys; sys.exit(not any(sys.argv[2] in k for k in json.load(open(sys.argv[1]))["clusters"]))' \
		"$T/state.json" "$CLUSTER_PATCH"; then fail "an upgraded cluster kept its entry"; return 1; fi
	# a corrupt file is logged and replaced, never fatal
	printf '{"version": 1, "clusters": {"x": ' >"$T/state.json"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>"$T/err" || fail "a corrupt state file was fatal" || return 1
	grep -q 'the state file is corrupt' "$T/err" || fail "corruption not logged" || return 1
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/state.json" || fail "the corrupt file was not replaced"
}

t_accounts_are_labelled_and_separate() {
	start_fake "$SCENARIOS/basic.json" || return 1
	printf '%s\n' "$TOKEN" >"$T/prod.token"
	chmod 600 "$T/prod.token"
	cat >"$T/doks.conf" <<CONF
api = { url = "$FAKE_URL"; timeout = 5; max_requests_per_minute = 0; retries = 0; };
poll = { interval = 1; credentials_interval = 0; options_interval = 0; };
accounts = (
  { name = "prod"; token_file = "$T/prod.token"; },
  { name = "staging"; token_env = "STAGING_TOKEN"; ids = [ "$CLUSTER_PATCH" ]; },
  { name = "revoked"; token_env = "REVOKED_TOKEN"; }
);
CONF
	STAGING_TOKEN=$TOKEN REVOKED_TOKEN=not-the-token "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "the revoked account's 401 must fail --once" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value 'doks_exporter_clusters{account="prod"}')" = 4 ] || fail "prod clusters" || return 1
	[ "$(metric_value 'doks_exporter_clusters{account="staging"}')" = 1 ] || fail "staging clusters" || return 1
	[ "$(metric_value 'doks_exporter_clusters{account="revoked"}')" = 0 ] || fail "revoked clusters" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{account=\"staging\",cluster_id=\"$CLUSTER_PATCH\"" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{account=\"prod\",cluster_id=\"$CLUSTER_PATCH\"" || return 1
	[ "$(metric_value 'doks_api_requests_total{account="revoked",endpoint="clusters",code="401"}')" = 1 ] || fail "401 not counted for its account" || return 1
	[ "$(metric_value 'doks_exporter_discovery_success{account="revoked"}')" = 0 ] || fail "revoked discovery" || return 1
	[ "$(metric_value 'doks_exporter_discovery_success{account="prod"}')" = 1 ] || fail "prod discovery" || return 1
	# staging lists no clusters: it reads its one id
	assert_lacks "$SCRAPE" 'doks_exporter_discovery_success{account="staging"}' || return 1
	"$PROMTOOL" check metrics <"$T/out" >"$T/lint" 2>&1 || fail "promtool: $(head -3 "$T/lint")"
}

t_options_and_supported_versions() {
	start_fake "$SCENARIOS/demo.json" || return 1
	OPTIONS_INTERVAL=3600 write_config ""
	start_exporter || return 1
	wait_cycles 3 || return 1
	SCRAPE=$(scrape)
	[ "$(grep -c '/v2/kubernetes/options' "$FAKE_LOG")" = 1 ] || fail "options asked $(grep -c /options "$FAKE_LOG") times in 3 cycles, want 1" || return 1
	[ "$(metric_value 'doks_kubernetes_version_available{version_slug="1.31.1-do.0",kubernetes_version="1.31.1"}')" = 1 ] || fail "version_available" || return 1
	[ "$(metric_value "doks_cluster_version_supported{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\"}")" = 0 ] || fail "1.29.1 is not offered: supported must be 0" || return 1
	[ "$(metric_value "doks_cluster_version_supported{cluster_id=\"$CLUSTER_CURRENT\",cluster_name=\"prod-web\"}")" = 1 ] || fail "supported" || return 1
	[ "$(metric_value "doks_cluster_minor_versions_behind{cluster_id=\"$CLUSTER_SEVERAL\",cluster_name=\"analytics\"}")" = 2 ] || fail "minors behind" || return 1
	[ "$(metric_value doks_exporter_options_success)" = 1 ] || fail "options_success"
}

t_maintenance_windows_and_certificates() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value "doks_cluster_maintenance_window_info{cluster_id=\"$CLUSTER_FLAKY\",cluster_name=\"edge-cache\",day=\"wednesday\",start_time=\"22:00\"}")" = 1 ] || fail "window info" || return 1
	local next now
	next=$(metric_value "doks_cluster_next_maintenance_window_timestamp_seconds{cluster_id=\"$CLUSTER_FLAKY\",cluster_name=\"edge-cache\"}")
	now=$(date +%s)
	# a Wednesday at 22:00 UTC, in progress or within the coming week
	[ "$(date -u -d "@$next" +%a-%H:%M)" = "Wed-22:00" ] || fail "next window $next is not a Wednesday 22:00" || return 1
	awk -v n="$next" -v t="$now" 'BEGIN { exit !(n > t - 4 * 3600 && n <= t + 7 * 86400) }' || fail "next window out of range" || return 1
	[ "$(metric_value "doks_cluster_ca_certificate_expiry_timestamp_seconds{cluster_id=\"$CLUSTER_CURRENT\",cluster_name=\"prod-web\"}")" = 2111190374 ] || fail "CA expiry" || return 1
	[ "$(metric_value "doks_cluster_client_certificate_expiry_timestamp_seconds{cluster_id=\"$CLUSTER_FLAKY\",cluster_name=\"edge-cache\"}")" = 1798422374 ] || fail "client cert expiry" || return 1
	[ "$(metric_value "doks_cluster_credentials_info{cluster_id=\"$CLUSTER_FLAKY\",cluster_name=\"edge-cache\",auth=\"certificate\"}")" = 1 ] || fail "auth=certificate" || return 1
	[ "$(metric_value "doks_cluster_credentials_info{cluster_id=\"$CLUSTER_CURRENT\",cluster_name=\"prod-web\",auth=\"token\"}")" = 1 ] || fail "auth=token" || return 1
	# the key is never exported nor logged
	if grep -q 'Q0xJRU5ULUtFWS1QTEFDRUhPTERFUi1ub3QtYS1yZWFsLWtleQo\|CLIENT-KEY-PLACEHOLDER' "$T/out" "$T/err"; then fail "the client key leaked"; return 1; fi
	return 0
}

t_unparsable_slug_is_unknown_and_logged_once() {
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"body\": \"{\\\"available_upgrade_versions\\\": [{\\\"slug\\\": \\\"next-gen\\\", \\\"kubernetes_version\\\": \\\"2\\\"}]}\"}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 3 || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "doks_cluster_available_upgrade_info{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",version_slug=\"next-gen\",kubernetes_version=\"2\",kind=\"unknown\"}")" = 1 ] || fail "kind unknown" || return 1
	[ "$(metric_value "doks_cluster_patch_upgrade_available{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\"}")" = 0 ] || fail "patch available" || return 1
	[ "$(grep -c 'does not read as MAJOR.MINOR.PATCH' "$EXP_LOG")" = 1 ] || fail "logged $(grep -c 'does not read' "$EXP_LOG") times, want once"
}

# A FIFO (or a folder) at state.file used to block the start forever (a
# FIFO has no writer) or be replaced by the first save: now refused at
# once, with an error naming it, in every mode.
t_state_file_must_be_regular() {
	start_fake "$SCENARIOS/basic.json" || return 1
	mkfifo "$T/state.fifo"
	write_config "state = { file = \"$T/state.fifo\"; };"
	local mode
	for mode in --once --check ""; do
		expect_config_error "not a regular file" timeout 5 env DIGITALOCEAN_TOKEN=$TOKEN \
			"$EXPORTER" --config.file="$T/doks.conf" --web.listen-address=127.0.0.1:0 $mode || return 1
		grep -qF "$T/state.fifo" "$T/err" || fail "[$mode] the error does not name the file" || return 1
	done
	[ -p "$T/state.fifo" ] || fail "the FIFO was replaced" || return 1
	mkdir "$T/state.dir"
	write_config "state = { file = \"$T/state.dir\"; };"
	expect_config_error "not a regular file" timeout 5 env DIGITALOCEAN_TOKEN=$TOKEN \
		"$EXPORTER" --config.file="$T/doks.conf" --once
}

# Times outside 2000-2200 in the state file are dropped with a log line:
# 1e300 once reached a conversion to time_t (undefined behaviour) and
# printed a year -219246529 in --check.
t_state_file_times_out_of_range() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config "state = { file = \"$T/state.json\"; };"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>&1 || return 1
	# every time in the file made absurd
	python3 - "$T/state.json" <<'PY' || fail "could not rewrite the times: $(cat "$T/state.json")" || return 1
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["clusters"]
for c in doc["clusters"].values():
    c["pending_since"] = 1e300
    for v in c["versions"]:
        c["versions"][v] = 1e300
json.dump(doc, open(sys.argv[1], "w"))
PY
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check --output=json \
		>"$T/out" 2>"$T/err"
	local rc=$?
	[ $rc = 1 ] || fail "exit $rc, want 1 (upgrades pending): $(cat "$T/err")" || return 1
	grep -q 'times outside the years 2000 to 2200; they are dropped' "$T/err" ||
		fail "the dropped times were not logged: $(cat "$T/err")" || return 1
	# every time printed is a real one, from this run
	python3 - "$T/out" <<'PY' || fail "bad times in --check: $(cat "$T/out")"
import json, sys, time
doc = json.load(open(sys.argv[1]))
now = time.time()
for c in doc["clusters"]:
    times = [c["pending_since"]] + [u["first_seen"] for u in (c["upgrades"] or [])]
    for t in times:
        if t is None:
            continue
        s = time.mktime(time.strptime(t, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
        assert abs(s - now) < 600, (t, now)
PY
}

# The state file is replaced by a rename; the rename itself is durable
# only once the folder is synced too.
t_state_save_syncs_the_folder() {
	start_fake "$SCENARIOS/basic.json" || return 1
	mkdir "$T/state"
	write_config "state = { file = \"$T/state/state.json\"; };"
	launch_slow -- --once
	wait "$EXP_PID"
	local rc=$?
	EXP_PID=
	[ $rc = 0 ] || fail "exit $rc: $(cat "$EXP_LOG")" || return 1
	[ -s "$T/state/state.json" ] || fail "no state file written" || return 1
	grep -qx "fsync-dir $T/state" "$T/preload.log" ||
		fail "the folder was not synced: $(cat "$T/preload.log")"
}
