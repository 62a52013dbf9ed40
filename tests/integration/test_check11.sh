# Upgrade readiness in --check: the verdict per cluster, its reasons, the
# exit status (0 all ok, 1 attention or action, 2 a failed request wins)
# and the JSON document against its schema (docs/check-schema.json).
# Sourced by run.sh.

# timeline_relative FILE: a support timeline whose dates are set from now:
# 1.29 left support 20 days ago and its forced upgrades begin in 5 days,
# 1.30 leaves support in 20 days, 1.31 in 200. The clock reaches the
# exporter through this file, never through a sleep.
timeline_relative() {
	python3 - "$1" <<'PY'
import datetime, json, sys
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
json.dump({"taken": d(-1), "releases": [
    {"release": "1.29", "end_of_support": d(-20), "upgrades_begin": d(5)},
    {"release": "1.30", "end_of_support": d(20), "upgrades_begin": d(50)},
    {"release": "1.31", "end_of_support": d(200), "upgrades_begin": d(230)},
]}, open(sys.argv[1], "w"))
PY
}

# timeline_far FILE: every release of the scenarios supported for a year.
timeline_far() {
	python3 - "$1" <<'PY'
import datetime, json, sys
today = datetime.datetime.now(datetime.timezone.utc).date()
d = lambda n: (today + datetime.timedelta(days=n)).isoformat()
json.dump({"taken": d(-1), "releases": [
    {"release": "1.%d" % m, "end_of_support": d(365), "upgrades_begin": d(395)}
    for m in range(28, 36)]}, open(sys.argv[1], "w"))
PY
}

# support_line FILE: the configuration line that points the exporter at a
# timeline file, when the binary has the key ("" before it does).
support_line() {
	printf 'support = { timeline_file = "%s"; };' "$1"
}

check_run() {
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check "$@" >"$T/out" 2>"$T/err"
}

# verdict_of NAME: the VERDICT cell of the cluster named NAME in $T/out.
verdict_of() {
	awk -v n="$1" '
		NR == 1 { v = index($0, "VERDICT"); r = index($0, "REASONS"); next }
		$1 == n { s = substr($0, v, r - v); gsub(/ +$/, "", s); print s }' "$T/out"
}

t_check11_exit_status() {
	timeline_far "$T/timeline.json"
	# every cluster ok: 0
	scenario_all_current "$T/current.json"
	start_fake "$T/current.json" || return 1
	write_config "$(support_line "$T/timeline.json")"
	check_run
	local rc=$?
	[ $rc = 0 ] || fail "all ok: exit $rc, want 0: $(cat "$T/out")" || return 1
	head -1 "$T/out" | grep -q ' VERDICT  *REASONS$' || fail "no VERDICT and REASONS columns: $(head -1 "$T/out")" || return 1
	for n in prod-web staging-api analytics; do
		[ "$(verdict_of "$n")" = ok ] || fail "$n: verdict '$(verdict_of "$n")', want ok" || return 1
	done
	stop_all

	# an upgrade pending is attention: 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config "$(support_line "$T/timeline.json")"
	check_run
	rc=$?
	[ $rc = 1 ] || fail "upgrades pending: exit $rc, want 1" || return 1
	[ "$(verdict_of staging-api)" = attention ] || fail "staging-api: $(verdict_of staging-api)" || return 1
	grep -q '^staging-api .* attention  *upgrade_pending$' "$T/out" || fail "no upgrade_pending reason: $(cat "$T/out")" || return 1
	[ "$(verdict_of prod-web)" = ok ] || fail "prod-web: $(verdict_of prod-web)" || return 1
	check_run --output json
	rc=$?
	[ $rc = 1 ] || fail "JSON: exit $rc, want 1" || return 1
	python3 - "$T/out" <<'PY' || fail "JSON verdicts: $(head -c 600 "$T/out")" || return 1
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == 1 and d["verdict"] == "attention", d["verdict"]
c = {x["name"]: x for x in d["clusters"]}
assert c["staging-api"]["verdict"] == "attention" and c["staging-api"]["reasons"] == ["upgrade_pending"]
assert c["prod-web"]["verdict"] == "ok" and c["prod-web"]["reasons"] == []
PY
	stop_all

	# a failed request wins over attention: 2
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config "$(support_line "$T/timeline.json")"
	check_run
	rc=$?
	[ $rc = 2 ] || fail "a failed request: exit $rc, want 2" || return 1
	grep -q ' attention ' "$T/out" || fail "the verdicts are still printed: $(cat "$T/out")"
}

# The JSON document of the readiness scenario validates against the
# schema shipped in docs/, and says schema 1 first.
t_check11_json_schema() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	timeline_relative "$T/timeline.json"
	# /options off: the scenario's options offer none of its releases,
	# which would make every cluster unsupported whatever the table says
	OPTIONS_INTERVAL=0 write_config "$(support_line "$T/timeline.json")"
	check_run --output json
	local rc=$?
	[ $rc = 1 ] || fail "exit $rc, want 1 (upgrades pending)" || return 1
	head -2 "$T/out" | tail -1 | grep -q '"schema":[[:space:]]*1,' || fail "schema is not the first field: $(head -3 "$T/out")" || return 1
	python3 - "$T/out" docs/check-schema.json "$rc" <<'PY' || fail "schema: $(tail -5 "$T/err")" || return 1
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
schema = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
jsonschema.Draft202012Validator(schema).validate(doc)
order = ["ok", "attention", "action"]
worst = max((order.index(c["verdict"]) for c in doc["clusters"]), default=0)
assert doc["verdict"] == order[worst], doc["verdict"]
assert (worst > 0) == (sys.argv[3] == "1")
assert {c["name"] for c in doc["clusters"]} == {"prod-web", "staging-api", "analytics", "edge-cache"}
PY
	# a document that breaks the contract is refused by the same check
	python3 - "$T/out" docs/check-schema.json <<'PY' || fail "the schema accepts a wrong verdict" || return 1
import json, sys
import jsonschema
doc = json.load(open(sys.argv[1]))
doc["clusters"][0]["verdict"] = "fine"
try:
    jsonschema.validate(doc, json.load(open(sys.argv[2])))
except jsonschema.ValidationError:
    sys.exit(0)
sys.exit(1)
PY
}

# The readiness scenario end to end: clusterlint (a never-linted cluster
# told apart), status messages, associated resources; needs the modules
# that read them.
t_check11_readiness_fields() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	timeline_far "$T/timeline.json"
	write_config "$(support_line "$T/timeline.json")"
	check_run --output json
	local rc=$?
	[ $rc = 1 ] || fail "exit $rc, want 1" || return 1
	python3 - "$T/out" <<'PY' || fail "readiness fields: $(head -c 1500 "$T/out")" || return 1
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["clusters"]}
# never linted: a 404, told apart from "not read"
assert c["prod-web"]["clusterlint"] == {"linted": False}, c["prod-web"]["clusterlint"]
assert c["prod-web"]["verdict"] == "ok", c["prod-web"]
s = c["staging-api"]
assert s["clusterlint"]["counts"] == {"error": 1, "warning": 1, "suggestion": 1}
assert s["clusterlint"]["completed_at"] == "2026-03-08T04:00:11Z"
f = {x["check_name"]: x for x in s["clusterlint"]["findings"]}
assert f["dobs-pod-owner"]["object"]["name"] == "db-5c9f7d8b6-q2wxl"
# an error while a patch is pending: action
assert s["verdict"] == "action", s["reasons"]
assert "clusterlint_errors_before_upgrade" in s["reasons"] and "upgrade_pending" in s["reasons"]
assert s["associated_resources"] == {"load_balancer": 1, "volume": 1, "volume_snapshot": 1}
a = c["analytics"]
assert a["clusterlint"]["counts"] == {"error": 0, "warning": 0, "suggestion": 0}
assert a["status_messages"]["total"] == 4, a["status_messages"]
assert a["status_messages"]["last"] == "2026-03-03T08:00:00Z"
assert any("droplet limit" in m["message"] for m in a["status_messages"]["recent"])
e = c["edge-cache"]
assert e["clusterlint"]["counts"] == {"error": 2, "warning": 3, "suggestion": 1}
assert e["associated_resources"] == {"load_balancer": 2, "volume": 1, "volume_snapshot": 3}
# errors with no upgrade in sight, and warnings: attention
assert e["verdict"] == "attention" and "clusterlint_warnings" in e["reasons"], e["reasons"]
PY
	check_run
	grep -q '^staging-api .* 1/1/1 ' "$T/out" || fail "no clusterlint counts in the table: $(cat "$T/out")" || return 1
	grep -q '^prod-web .* never ' "$T/out" || fail "never linted not shown" || return 1
	grep -q '^edge-cache .* 2/1/3 ' "$T/out" || fail "no resources in the table" || return 1
	[ "$(verdict_of staging-api)" = action ] || fail "staging-api: $(verdict_of staging-api)" || return 1
	# object names and messages stay out of the table
	if grep -q 'db-5c9f7d8b6\|droplet limit' "$T/out"; then fail "a finding or message reached the table"; return 1; fi
	return 0
}

# Dates from the support timeline, with the clock passed in through the
# timeline file: a forced upgrade within 14 days is action, an end of
# support within 30 days attention.
t_check11_forced_upgrade() {
	start_fake "$SCENARIOS/basic.json" || return 1
	timeline_relative "$T/timeline.json"
	# /options off: the scenario's options offer none of its releases,
	# which would make every cluster unsupported whatever the table says
	OPTIONS_INTERVAL=0 write_config "$(support_line "$T/timeline.json")"
	check_run --output json
	local rc=$?
	[ $rc = 1 ] || fail "exit $rc, want 1" || return 1
	python3 - "$T/out" <<'PY' || fail "forced upgrades: $(head -c 1500 "$T/out")" || return 1
import json, sys, datetime
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["clusters"]}
today = datetime.datetime.now(datetime.timezone.utc).date()
s = c["staging-api"]                     # 1.29: upgrades begin in 5 days
assert s["verdict"] == "action" and "forced_upgrade_soon" in s["reasons"], s["reasons"]
forced = datetime.datetime.strptime(s["forced_upgrade_earliest"], "%Y-%m-%dT%H:%M:%SZ").date()
assert today + datetime.timedelta(days=5) <= forced <= today + datetime.timedelta(days=12), forced
assert "unsupported" in s["reasons"]
e = c["edge-cache"]                      # 1.30: end of support in 20 days
assert "end_of_support_soon" in e["reasons"] and e["verdict"] == "attention", e["reasons"]
assert e["end_of_support"].startswith((today + datetime.timedelta(days=20)).isoformat())
p = c["prod-web"]                        # 1.31: far away
assert p["verdict"] == "ok", p["reasons"]
PY
}
