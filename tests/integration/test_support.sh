# The support timeline (end of support, forced upgrades, "unsupported
# since") and the upgrade history. Sourced by run.sh. Dates that matter
# are written by the tests relative to now, into a timeline file named by
# support.timeline_file or into the fake's scenario; nothing sleeps.

STAGING_LABELS="cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\""
PRODWEB="cluster_id=\"$CLUSTER_CURRENT\",cluster_name=\"prod-web\""

# day_at OFFSET_DAYS: 00:00 UTC of today + OFFSET_DAYS, as YYYY-MM-DD.
day_at() { date -u -d "@$(($(date -u +%s) / 86400 * 86400 + $1 * 86400))" +%F; }
# epoch_of YYYY-MM-DD: 00:00 UTC of that day in Unix seconds.
epoch_of() { date -u -d "$1" +%s; }

# timeline_file PATH: a table whose 1.31 leaves support in 10 days and is
# upgraded from 40 days on, taken 10 days ago.
timeline_file() {
	cat >"$1" <<JSON
{
  "taken": "$(day_at -10)",
  "releases": [
    {"release": "1.30", "end_of_support": "$(day_at -100)", "upgrades_begin": "$(day_at -70)"},
    {"release": "1.31", "end_of_support": "$(day_at 10)", "upgrades_begin": "$(day_at 40)"}
  ]
}
JSON
}

# cluster_as SRC STATE VERSION OUT: a cluster file of SRC with its state and
# version slug replaced.
cluster_as() {
	python3 - "$SCENARIOS/../clusters/$1" "$2" "$3" "$4" <<'PY'
import json, sys
src, state, version, out = sys.argv[1:]
d = json.load(open(src))
c = d.get("kubernetes_cluster", d)
c["status"]["state"] = state
c["version"] = version  # the API's "version" is the slug
json.dump(d, open(out, "w"))
PY
}

# one_cluster SCENARIO CLUSTER_FILE: a scenario of that cluster alone,
# with the basic /options (1.16 to 1.18 only).
one_cluster() {
	cat >"$1" <<JSON
{ "token": "$TOKEN",
  "clusters": [ { "cluster_file": "$2", "upgrades_file": "../upgrades/null.json" } ],
  "options_file": "../api/options.json" }
JSON
}

# The dates come from support.timeline_file: end of support, the forced
# upgrade in the first window on or after "upgrades begin", every row, the
# table's age; a release the file does not list has neither date.
t_support_timeline_file_dates() {
	start_fake "$SCENARIOS/basic.json" || return 1
	timeline_file "$T/timeline.json"
	write_config "support = { timeline_file = \"$T/timeline.json\"; };"
	local out eos begin
	out=$(DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once 2>"$T/err") ||
		fail "--once exited $?" || return 1
	SCRAPE=$out
	eos=$(epoch_of "$(day_at 10)")
	begin=$(epoch_of "$(day_at 40)")
	grep -q "msg=\"support timeline loaded\" file=$T/timeline.json releases=2 taken=$(day_at -10)" "$T/err" ||
		fail "no load line: $(grep timeline "$T/err")" || return 1
	[ "$(metric_value "doks_cluster_end_of_support_timestamp_seconds{$PRODWEB}")" = "$eos" ] ||
		fail "end of support: $(metric_value "doks_cluster_end_of_support_timestamp_seconds{$PRODWEB}"), want $eos" || return 1
	# prod-web's window: any day at 03:00 UTC
	[ "$(metric_value "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}")" = $((begin + 3 * 3600)) ] ||
		fail "forced upgrade: $(metric_value "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}"), want $((begin + 10800))" || return 1
	# staging-api (1.29) is not in this table, and /options is off: nothing known
	assert_lacks "$out" "doks_cluster_end_of_support_timestamp_seconds{$STAGING_LABELS}" || return 1
	assert_lacks "$out" "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$STAGING_LABELS}" || return 1
	grep -q 'level=warn msg="the support timeline does not list the cluster.s release.*release=1.29' "$T/err" ||
		fail "no warning for the unlisted release" || return 1
	[ "$(printf '%s\n' "$out" | grep -c '^doks_kubernetes_release_end_of_support_timestamp_seconds{')" = 2 ] ||
		fail "not one series per row" || return 1
	[ "$(metric_value 'doks_kubernetes_release_end_of_support_timestamp_seconds{release="1.31"}')" = "$eos" ] ||
		fail "release series" || return 1
	local age
	age=$(metric_value doks_exporter_support_timeline_age_seconds)
	python3 -c "import sys; a=float(sys.argv[1]); sys.exit(0 if 10*86400 <= a < 11*86400 else 1)" "$age" ||
		fail "age $age is not 10 days" || return 1
	# the upgrade history: every kind from 0, nothing ended yet
	[ "$(metric_value "doks_cluster_upgrades_total{$STAGING_LABELS,kind=\"patch\"}")" = 0 ] || fail "upgrades_total" || return 1
	[ "$(metric_value "doks_cluster_upgrades_total{$STAGING_LABELS,kind=\"unknown\"}")" = 0 ] || fail "upgrades_total" || return 1
	assert_lacks "$out" "doks_cluster_last_upgrade_success{" || return 1
	$PROMTOOL check metrics <<<"$out" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")"
}

# A bad timeline file is an error at start naming the file and the line:
# exit status 2, in every mode; so is a missing one.
t_support_bad_timeline_exits_2() {
	start_fake "$SCENARIOS/basic.json" || return 1
	timeline_file "$T/timeline.json"
	sed -i '5s/"end_of_support": "[0-9-]*"/"end_of_support": "2026-02-30"/' "$T/timeline.json"
	write_config "support = { timeline_file = \"$T/timeline.json\"; };"
	local rc mode
	for mode in --once --check ""; do
		DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" \
			--web.listen-address=127.0.0.1:0 $mode >/dev/null 2>"$T/err"
		rc=$?
		[ $rc = 2 ] || fail "exit $rc with a bad timeline (${mode:-server}), want 2" || return 1
		grep -q "level=error msg=\"invalid support timeline\" file=$T/timeline.json line=5 key=releases\\[1\\].end_of_support" "$T/err" ||
			fail "file and line not named (${mode:-server}): $(grep level=error "$T/err")" || return 1
	done
	write_config "support = { timeline_file = \"$T/nothing-here.json\"; };"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>"$T/err"
	rc=$?
	[ $rc = 2 ] || fail "exit $rc with a missing timeline, want 2" || return 1
	grep -q "cannot read the support timeline\" file=$T/nothing-here.json" "$T/err" || fail "missing file not named"
}

# SIGHUP reads the file again; a bad one fails the reload and the running
# table stays.
t_support_reload_bad_timeline() {
	start_fake "$SCENARIOS/basic.json" || return 1
	timeline_file "$T/timeline.json"
	write_config "support = { timeline_file = \"$T/timeline.json\"; };"
	start_exporter || return 1
	wait_cycles 1 || return 1
	echo '{"taken": "2025-11-19", "releases": []}' >"$T/timeline.json"
	kill -HUP "$EXP_PID"
	wait_until 5 grep -q 'configuration reload failed' "$EXP_LOG" || fail "no failure log line" || return 1
	grep -q "file=$T/timeline.json line=1 key=releases" "$EXP_LOG" || fail "file and line not named" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 1)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_config_last_reload_successful)" = 0 ] || fail "reload_successful not 0" || return 1
	[ "$(metric_value "doks_cluster_end_of_support_timestamp_seconds{$PRODWEB}")" = "$(epoch_of "$(day_at 10)")" ] ||
		fail "the running table did not stay" || return 1
	# a good one takes effect
	timeline_file "$T/timeline.json"
	sed -i 's/"release": "1.30"/"release": "1.29"/' "$T/timeline.json"
	kill -HUP "$EXP_PID"
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -q 'doks_cluster_end_of_support_timestamp_seconds{$STAGING_LABELS}'" ||
		fail "the reloaded table did not apply"
}

# A release missing from /options: "unsupported since" is kept in
# state.file across restarts, and the forced upgrade of a release the
# table does not list is the first window 30 days after it.
t_support_unsupported_since_persisted() {
	cluster_as current.json running 1.35.1-do.0 "$T/c135.json"
	one_cluster "$T/s.json" "$T/c135.json"
	start_fake "$T/s.json" || return 1
	OPTIONS_INTERVAL=3600 write_config "state = { file = \"$T/state.json\"; };"
	local out since want
	out=$(DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once 2>"$T/err") ||
		fail "--once exited $?" || return 1
	since=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["releases"]["1.35"]["unsupported_since"])' "$T/state.json") ||
		fail "no unsupported-since in the state file: $(cat "$T/state.json")" || return 1
	# prod-web's window is any day at 03:00 UTC: the first start on or after since + 30 days
	want=$(python3 -c '
import sys, math
b = float(sys.argv[1]) + 30 * 86400
day = math.floor(b / 86400) * 86400
w = day + 3 * 3600
print(int(w if w >= b else w + 86400))' "$since")
	SCRAPE=$out
	[ "$(metric_value "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}")" = "$want" ] ||
		fail "forced upgrade $(metric_value "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}"), want $want (since $since)" || return 1
	assert_lacks "$out" "doks_cluster_end_of_support_timestamp_seconds{" || return 1
	grep -q 'does not list the cluster.s release.*release=1.35' "$T/err" || fail "no warning for 1.35" || return 1
	# a restart keeps the first time
	out=$(DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once 2>"$T/err2") ||
		fail "second --once exited $?" || return 1
	SCRAPE=$out
	[ "$(metric_value "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}")" = "$want" ] ||
		fail "the forced upgrade moved across a restart" || return 1
	[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["releases"]["1.35"]["unsupported_since"])' "$T/state.json")" = "$since" ] ||
		fail "unsupported since changed across a restart" || return 1
	# /options offering 1.35 again forgets it
	python3 - "$SCENARIOS/../api/options.json" "$T/options.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["options"]["versions"].append({"slug": "1.35.4-do.0", "kubernetes_version": "1.35.4", "supported_features": []})
json.dump(d, open(sys.argv[2], "w"))
PY
	sed -i "s#\"../api/options.json\"#\"$T/options.json\"#" "$T/s.json"
	reload_fake "$T/s.json" || return 1
	out=$(DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once 2>"$T/err3") ||
		fail "third --once exited $?" || return 1
	python3 -c 'import json,sys; sys.exit("1.35" in json.load(open(sys.argv[1]))["releases"])' "$T/state.json" ||
		fail "unsupported since kept although /options offers 1.35 again" || return 1
	assert_lacks "$out" "doks_cluster_forced_upgrade_earliest_timestamp_seconds{$PRODWEB}"
}

# running 1.29.1 -> upgrading -> running 1.29.2 (the fake's scenario
# reloaded between reads of the list): one patch upgrade that succeeded,
# kept across a restart; then one that ends degraded.
t_support_upgrade_history() {
	cluster_as patch.json running 1.29.1-do.0 "$T/a.json"
	cluster_as patch.json upgrading 1.29.1-do.0 "$T/b.json"
	cluster_as patch.json running 1.29.2-do.0 "$T/c.json"
	cluster_as patch.json upgrading 1.29.2-do.0 "$T/d.json"
	cluster_as patch.json degraded 1.29.3-do.0 "$T/e.json"
	local x
	for x in a b c d e; do one_cluster "$T/s-$x.json" "$T/$x.json"; done
	start_fake "$T/s-a.json" || return 1
	write_config "state = { file = \"$T/state.json\"; };"
	start_exporter || return 1
	wait_cycles 1 || return 1
	# each step waits until a scrape shows the list's new state
	reload_fake "$T/s-b.json" || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF 'doks_cluster_status{$STAGING_LABELS,state=\"upgrading\"} 1'" ||
		fail "the list never showed upgrading" || return 1
	local t_start
	t_start=$(date +%s)
	reload_fake "$T/s-c.json" || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF 'doks_cluster_last_upgrade_success{$STAGING_LABELS} 1'" ||
		fail "no successful upgrade recorded" || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "doks_cluster_upgrades_total{$STAGING_LABELS,kind=\"patch\"}")" = 1 ] || fail "patch total" || return 1
	[ "$(metric_value "doks_cluster_upgrades_total{$STAGING_LABELS,kind=\"minor\"}")" = 0 ] || fail "minor total" || return 1
	local end dur
	end=$(metric_value "doks_cluster_last_upgrade_end_timestamp_seconds{$STAGING_LABELS}")
	dur=$(metric_value "doks_cluster_last_upgrade_duration_seconds{$STAGING_LABELS}")
	python3 -c "import sys; e,d,t=map(float,sys.argv[1:]); sys.exit(0 if t-5 <= e <= t+30 and 0 < d < 60 else 1)" "$end" "$dur" "$t_start" ||
		fail "end $end, duration $dur (the upgrade began near $t_start)" || return 1
	python3 - "$T/state.json" <<'PY' || fail "the state file lacks the event: $(cat "$T/state.json")" || return 1
import json, sys
h = [v for k, v in json.load(open(sys.argv[1]))["histories"].items() if k.endswith("9b47e2a1-3c58-4f0d-8e6a-c2d19f7b5a30")][0]
e = h["events"][-1]
assert (e["from"], e["to"], e["kind"], e["outcome"]) == ("1.29.1-do.0", "1.29.2-do.0", "patch", "running"), e
assert h["ended"]["patch"] == 1
PY
	# a restart keeps the history
	kill "$EXP_PID" && wait "$EXP_PID"
	EXP_PID=
	start_exporter || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF 'doks_cluster_last_upgrade_end_timestamp_seconds{$STAGING_LABELS} $end'" ||
		fail "the history did not survive a restart" || return 1
	# an upgrade that ends degraded
	reload_fake "$T/s-d.json" || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF 'doks_cluster_status{$STAGING_LABELS,state=\"upgrading\"} 1'" ||
		fail "the list never showed the second upgrade" || return 1
	reload_fake "$T/s-e.json" || return 1
	wait_until 10 sh -c "curl -fs '$EXP_URL/metrics' | grep -qF 'doks_cluster_last_upgrade_success{$STAGING_LABELS} 0'" ||
		fail "the failed upgrade was not recorded" || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "doks_cluster_upgrades_total{$STAGING_LABELS,kind=\"patch\"}")" = 2 ] || fail "patch total after two"
}
