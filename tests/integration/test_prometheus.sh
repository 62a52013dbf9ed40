# A real Prometheus (Debian's /usr/bin/prometheus) scraping the exporter,
# which polls the fake API's demo scenario, with
# dashboards/doks-alerts.rules.yml loaded. Every query of every panel of
# dashboards/doks-overview.json and every alert expression must evaluate
# without error, every panel must show data, every rule must be healthy,
# and the demo's known problems must raise the alerts meant for them.
# Sourced by run.sh; each t_prometheus_* function is one test, each with its
# own fake API, exporter and Prometheus (prom_test), and each one section
# of the checks below (prom_check).
#
# The demo is the scenario of `make demo` plus what only time shows: a
# support timeline whose dates are written relative to today (so the
# forced-upgrade and end-of-support alerts fire and stay quiet on any day
# the tests run), and an upgrade of prod-web that the exporter watches
# (running, upgrading, running on a newer patch), so that the upgrade
# history has data.

PROMETHEUS=${PROMETHEUS:-prometheus}
PROM_PID=
# what is checked (other files only to show that the test catches mistakes)
PROM_DASHBOARD=${PROM_DASHBOARD:-dashboards/doks-overview.json}
PROM_RULES=${PROM_RULES:-dashboards/doks-alerts.rules.yml}

# free_port: a TCP port of 127.0.0.1 that nothing listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_prometheus SCRAPE_TARGET: Prometheus on 127.0.0.1 at a port chosen
# now (tried again on a conflict), scraping SCRAPE_TARGET (host:port) as
# job "doks" every second and evaluating the rules every second. Sets
# PROM_PID and PROM_URL.
start_prometheus() {
	cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $(realpath "$PROM_RULES")
scrape_configs:
  - job_name: doks
    static_configs:
      - targets: ['$1']
YML
	local _ port
	for _ in 1 2 3 4 5; do
		port=$(free_port) || return 1
		rm -rf "$T/prom-data"
		"$PROMETHEUS" --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/prom-data" \
			--web.listen-address="127.0.0.1:$port" --log.level=warn 2>"$T/prometheus.log" &
		PROM_PID=$!
		PROM_URL="http://127.0.0.1:$port"
		if wait_until 20 curl -fs --noproxy '*' "$PROM_URL/-/ready" && kill -0 "$PROM_PID" 2>/dev/null; then
			return 0
		fi
		stop_prometheus
		grep -qi 'address already in use' "$T/prometheus.log" || break
	done
	fail "Prometheus did not start: $(tail -5 "$T/prometheus.log")"
}

stop_prometheus() {
	if [ -n "${PROM_PID:-}" ]; then
		kill "$PROM_PID" 2>/dev/null
		wait "$PROM_PID" 2>/dev/null
	fi
	PROM_PID=
}

# prom_query PROMQL: prints the JSON answer of an instant query.
prom_query() {
	curl -fsS --noproxy '*' -G "$PROM_URL/api/v1/query" --data-urlencode "query=$1"
}

# demo_with_prod_web FILE STATE VERSION: the demo scenario with prod-web
# in STATE on VERSION, into FILE (relative paths kept: start_fake and
# reload_fake make them absolute).
demo_with_prod_web() {
	python3 - "$SCENARIOS/demo.json" "$SCENARIOS/../clusters/current.json" "$2" "$3" >"$1" <<'PY'
import json, sys
demo, cluster_file, state, version = sys.argv[1:5]
d = json.load(open(demo))
entry = d["clusters"][0]
assert entry.pop("cluster_file") == "../clusters/current.json", "prod-web is no longer the demo's first cluster"
c = json.load(open(cluster_file))
inner = c.get("kubernetes_cluster", c)
inner["status"]["state"] = state
inner["version"] = version
entry["cluster"] = c
print(json.dumps(d, indent=1))
PY
}

# demo_timeline FILE: a support timeline taken 10 days ago (not stale),
# with dates relative to today: 1.29 (staging-api, analytics) left
# support 20 days ago and its forced upgrades begin in 3 days, so its
# first window is under 14 days away; 1.30 (edge-cache) leaves support in
# 20 days, its forced upgrades begin in 50; 1.31 (prod-web) is 200 days
# from its end of support.
demo_timeline() {
	python3 - "$1" <<'PY'
import datetime, json, sys
today = datetime.datetime.now(datetime.timezone.utc).date()
def day(n):
    return (today + datetime.timedelta(days=n)).isoformat()
rows = [("1.28", -140, -110), ("1.29", -20, 3), ("1.30", 20, 50), ("1.31", 200, 230), ("1.32", 320, 350)]
json.dump({"taken": day(-10), "source": "tests/integration/test_prometheus.sh",
           "releases": [{"release": r, "end_of_support": day(e), "upgrades_begin": day(u)} for r, e, u in rows]},
          open(sys.argv[1], "w"), indent=1)
PY
}

# prom_demo: the fake API's demo scenario, the exporter polling it every
# second, and a Prometheus that has scraped the exporter 8 times (rates,
# the error ratio and histogram quantiles need a few scrapes). Before
# Prometheus starts, prod-web goes from 1.31.0 to the demo's 1.31.1
# through upgrading, each step shown by at least one list (a round after
# the reload), so that the exporter records one patch upgrade that ended
# running.
prom_demo() {
	demo_with_prod_web "$T/demo-before.json" running 1.31.0-do.0 &&
		demo_with_prod_web "$T/demo-upgrading.json" upgrading 1.31.0-do.0 &&
		demo_timeline "$T/support-timeline.json" || fail "demo files" || return 1
	start_fake "$T/demo-before.json" || return 1
	POLL_INTERVAL=1 OPTIONS_INTERVAL=60 write_config "support = { timeline_file = \"$T/support-timeline.json\"; };
state = { file = \"$T/state.json\"; };"
	start_exporter || return 1
	wait_cycles 1 || fail "no poll cycle" || return 1
	local step
	for step in "$T/demo-upgrading.json" "$SCENARIOS/demo.json"; do
		reload_fake "$step" || fail "the fake did not load $step" || return 1
		wait_cycles $(($(cycles_done) + 2)) || fail "no poll cycle after loading $step" || return 1
	done
	# what is missing is named by the checks; no need to fail here
	wait_until 10 sh -c "curl -fsS --noproxy '*' '$EXP_URL/metrics' | grep -q '^doks_cluster_last_upgrade_success{'" ||
		echo "    no doks_cluster_last_upgrade_success after prod-web's upgrade" >&2
	start_prometheus "${EXP_URL#http://}" || return 1
	wait_until 30 sh -c "curl -fsS --noproxy '*' -G '$PROM_URL/api/v1/query' \
		--data-urlencode 'query=count_over_time(up{job=\"doks\"}[1m]) >= 8 and up{job=\"doks\"} == 1' |
		grep -q '\"result\":\[{'" ||
		fail "Prometheus has not scraped the exporter 8 times: $(prom_query 'up'; tail -3 "$T/prometheus.log")"
}

# prom_test COMMAND...: prom_demo, then COMMAND; Prometheus is stopped
# however the test ends (the runner's trap stops only the exporter and the
# fake).
prom_test() {
	trap 'stop_prometheus; stop_all' EXIT
	prom_demo && "$@"
	local rc=$?
	stop_prometheus
	return $rc
}

t_prometheus_scrapes_exporter() {
	prom_test true
}

t_prometheus_dashboard_panels_have_data() {
	prom_test prom_check panels
}

t_prometheus_rules_healthy() {
	prom_test prom_check rules
}

t_prometheus_names_are_exported() {
	prom_test prom_check names
}

t_prometheus_rule_joins_match_labels() {
	prom_test prom_check joins
}

t_prometheus_demo_raises_its_alerts() {
	prom_test prom_check alerts
}

# prom_check SECTION: one section of the checks against the running
# Prometheus (panels, rules, names, joins, alerts); what was checked goes
# to $T/prometheus-checks.log, each problem found to stderr.
prom_check() {
	python3 - "$PROM_URL" "$PROM_DASHBOARD" "$PROM_RULES" "$1" >>"$T/prometheus-checks.log" <<'PY'
import json, math, re, sys, time, urllib.parse, urllib.request

prom, dashboard_file, rules_file, section = sys.argv[1:5]
problems = []

http = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy

def get(path, **params):
    url = prom + path + ("?" + urllib.parse.urlencode(params) if params else "")
    try:
        with http.open(url, timeout=10) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:  # 400/422: the query does not parse or evaluate
        return json.load(e)

def query(expr):
    """(error or None, result list) of an instant query."""
    a = get("/api/v1/query", query=expr)
    if a.get("status") != "success":
        return "%s: %s" % (a.get("errorType"), a.get("error")), []
    d = a["data"]
    return None, d["result"] if d["resultType"] in ("vector", "matrix") else [{"value": d["result"]}]

def has_data(result):
    for s in result:
        v = s["value"][1] if "value" in s else s["values"][-1][1]
        if not math.isnan(float(v)):
            return True
    return False

def dashboard_panels():
    """The panels of the dashboard that have queries, rows' panels included."""
    dash = json.load(open(dashboard_file))
    panels = []
    for p in dash["panels"]:
        panels += [p] + p.get("panels", [])
    return [p for p in panels if p.get("targets")]

def loaded_rules(settle=False):
    """The rules Prometheus loaded; with settle, once each has been
    evaluated (or 10 s have passed)."""
    deadline = time.time() + 10
    while True:
        rules = [r for g in get("/api/v1/rules")["data"]["groups"] for r in g["rules"]]
        if not settle or all(r["health"] != "unknown" for r in rules) or time.time() > deadline:
            return rules
        time.sleep(0.5)

# ---- every panel query of the dashboard: no error, and data in every panel
def check_panels():
    subst = [(r"\$\{cluster\}|\$cluster\b", ".*"),
             (r"\$__rate_interval\b|\$\{__rate_interval\}|\$__interval\b|\$\{__interval\}|\$__range\b|\$\{__range\}", "1m")]
    panels = dashboard_panels()
    if len(panels) < 10:
        problems.append("only %d panels with queries in %s" % (len(panels), dashboard_file))

    def empty_panels():
        empty = []
        for p in panels:
            data = False
            for t in p["targets"]:
                expr = t["expr"]
                for pat, rep in subst:
                    expr = re.sub(pat, rep, expr)
                if "$" in expr:
                    problems.append('panel "%s" %s: variable left in %s' % (p["title"], t["refId"], expr))
                    continue
                err, result = query(expr)
                if err:
                    problems.append('panel "%s" %s: %s\n      %s' % (p["title"], t["refId"], err, expr))
                data = data or has_data(result)
            if not data:
                empty.append(p["title"])
        return empty

    empty = empty_panels()
    deadline = time.time() + 15  # a slow machine may need a few more scrapes for rates
    while empty and not problems and time.time() < deadline:
        time.sleep(2)
        empty = empty_panels()
    for title in empty:
        problems.append('panel "%s": no data in the demo scenario' % title)
    print("dashboard: %d panels, %d queries evaluated" % (len(panels), sum(len(p["targets"]) for p in panels)))

# ---- every rule loaded, healthy, and its expression evaluates
def check_rules():
    want = len(re.findall(r"^\s*- alert:", open(rules_file).read(), re.M))
    rules = loaded_rules(settle=True)
    if len(rules) != want:
        problems.append("Prometheus loaded %d rules, %s has %d" % (len(rules), rules_file, want))
    for r in rules:
        if r["health"] != "ok" or r.get("lastError"):
            problems.append("rule %s: health %s %s" % (r["name"], r["health"], r.get("lastError", "")))
        err, _ = query(r["query"])
        if err:
            problems.append("rule %s: %s" % (r["name"], err))
    print("rules: %d loaded, evaluated" % len(rules))

# ---- every metric that a panel or a rule names is one the exporter exports
# (a misspelt name is valid PromQL that quietly returns nothing)
def check_names():
    known = set(get("/api/v1/label/__name__/values")["data"])
    exprs = [t["expr"] for p in dashboard_panels() for t in p["targets"]] + [r["query"] for r in loaded_rules()]
    names = {m for e in exprs for m in re.findall(r"\b((?:doks|process)_[a-z_]+|up)\b", e)}
    for name in sorted(names - known):
        problems.append("metric %s is not in Prometheus: misspelt, or not exported in the demo scenario" % name)
    print("names: %d named by panels and rules" % len(names))

# ---- the joins of the rules match the exporter's real labels
def check_joins():
    joins = {
        # DOKSExporterDataStale: each endpoint's data age against its planned
        # interval (clusters, options, upgrades, credentials, clusterlint,
        # status messages and associated resources in the demo)
        'doks_exporter_oldest_data_age_seconds >= 0 * doks_exporter_endpoint_interval_seconds': 7,
        # DOKSClusterMinorUpgradePending: first sightings of minor versions (analytics)
        'min without (version_slug) (doks_cluster_available_upgrade_first_seen_timestamp_seconds'
        ' and on (cluster_id, version_slug) doks_cluster_available_upgrade_info{kind="minor"})': 1,
        # DOKSClusterUpgradePending's exception: auto-upgrade on, only patches (none in the demo)
        '(doks_cluster_auto_upgrade_enabled == 1) and on (cluster_id) (doks_cluster_minor_upgrade_available == 1)': 1,
        # DOKSClusterlintErrorsBeforeUpgrade: errors against an offered upgrade (staging-api)
        'sum without (check_name, severity) (doks_cluster_clusterlint_diagnostics{severity="error"}) > 0'
        ' and on (cluster_id) (doks_cluster_upgrade_available == 1)': 1,
        # ... and against a forced upgrade: every demo cluster's release is in the timeline
        'doks_cluster_forced_upgrade_earliest_timestamp_seconds and on (cluster_id) doks_cluster_info': 4,
    }
    deadline = time.time() + 10  # the series of every endpoint may need a few more rounds
    while True:
        short = []
        for expr, n in joins.items():
            err, result = query(expr)
            if err or len(result) < n:
                short.append("join gives %d series, want %d or more (%s): %s" % (len(result), n, err, expr))
        if not short or time.time() > deadline:
            break
        time.sleep(1)
    problems.extend(short)
    print("joins: %d evaluated" % len(joins))

# ---- the demo's problems raise their alerts (pending: every rule has a for:)
def check_alerts():
    expected = {("DOKSClusterVersionUnsupported", "staging-api"), ("DOKSClusterVersionUnsupported", "analytics"),
                ("DOKSExporterPollFailing", "edge-cache"), ("DOKSAPIErrorRatioHigh", "upgrades"),
                # the timeline prom_demo writes: 1.29 forced within 14 days and out of support, 1.30 out in 20 days
                ("DOKSClusterForcedUpgradeSoon", "staging-api"), ("DOKSClusterForcedUpgradeSoon", "analytics"),
                ("DOKSClusterEndOfSupportSoon", "staging-api"), ("DOKSClusterEndOfSupportSoon", "analytics"),
                ("DOKSClusterEndOfSupportSoon", "edge-cache"),
                # an error, and a patch offered
                ("DOKSClusterlintErrorsBeforeUpgrade", "staging-api")}
    never = {"DOKSExporterDown", "DOKSClusterNotRunning", "DOKSCredentialsEndpointFailing", "DOKSAPIRateLimitLow",
             "DOKSClusterUpgradePending", "DOKSClusterMinorUpgradePending",
             "DOKSClusterCACertificateExpiringSoon", "DOKSClusterClientCertificateExpiringSoon",
             "DOKSClusterUpgradeFailed", "DOKSSupportTimelineStale"}
    # alerts of these names fire in the demo, but not for these clusters
    quiet = {("DOKSClusterForcedUpgradeSoon", "prod-web"),     # 1.31: 230 days away
             ("DOKSClusterForcedUpgradeSoon", "edge-cache"),   # 1.30: 50 days away
             ("DOKSClusterEndOfSupportSoon", "prod-web"),
             ("DOKSClusterlintErrorsBeforeUpgrade", "analytics"),   # warnings only, though forced soon
             ("DOKSClusterlintErrorsBeforeUpgrade", "prod-web"),    # a clean run
             ("DOKSClusterlintErrorsBeforeUpgrade", "edge-cache")}  # never linted
    # the error ratio is a rate: a slow machine may need a few more
    # evaluations before every expected alert is pending
    deadline = time.time() + 25
    while True:
        alerts = get("/api/v1/alerts")["data"]["alerts"]
        got = {(a["labels"]["alertname"], a["labels"].get("cluster_name", a["labels"].get("endpoint", "")))
               for a in alerts}
        if expected <= got or time.time() > deadline:
            break
        time.sleep(1)
    for e in sorted(expected - got):
        problems.append("alert %s for %s is not pending" % e)
    for name, who in sorted(got):
        if name in never or (name, who) in quiet:
            problems.append("alert %s for %s should not be raised by the demo" % (name, who))
    # edge-cache's /upgrades fails; its clusterlint 404 (never linted) is no failure
    for a in alerts:
        if a["labels"]["alertname"] == "DOKSExporterPollFailing" and a["labels"].get("cluster_name") \
                and a["labels"].get("endpoint") != "upgrades":
            problems.append("alert DOKSExporterPollFailing for %s endpoint %s should not be raised by the demo"
                            % (a["labels"]["cluster_name"], a["labels"].get("endpoint")))
    print("alerts: %s" % ", ".join("%s/%s" % a for a in sorted(got)))

sections = {"panels": check_panels, "rules": check_rules, "names": check_names,
            "joins": check_joins, "alerts": check_alerts}
if section not in sections:
    problems.append("no section %s of the Prometheus checks" % section)
else:
    sections[section]()
for p in problems:
    print("    " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
}
