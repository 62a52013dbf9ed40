# The status page at /: served from the published snapshot (no API call
# on a request), 503 until the first publication, behind the same TLS and
# basic authentication as /metrics, names escaped, and loaded by a real
# browser (headless Chromium from Debian) whose DOM is checked and whose
# screenshot is kept in the test's folder. Sourced by run.sh.

CHROMIUM=${CHROMIUM:-chromium}

# chromium_run ARGS...: headless Chromium with a profile in $T, bounded.
chromium_run() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$T/chromium" "$@" 2>>"$T/chromium.log"
}

t_statuspage_served_from_snapshot() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	timeline_far "$T/timeline.json"
	POLL_INTERVAL=3600 write_config "$(support_line "$T/timeline.json")"
	start_exporter || return 1
	wait_cycles 1 || return 1
	curl -fsS -D "$T/headers" -o "$T/page.html" "$EXP_URL/" || fail "GET / failed" || return 1
	grep -qi '^content-type: text/html; charset=utf-8' "$T/headers" || fail "content type: $(cat "$T/headers")" || return 1
	grep -qi "^content-security-policy: default-src 'none'; style-src 'unsafe-inline'" "$T/headers" ||
		fail "no CSP: $(cat "$T/headers")" || return 1
	for name in prod-web staging-api analytics edge-cache; do
		grep -q "<td class=\"name\">$name</td>" "$T/page.html" || fail "no row for $name" || return 1
	done
	# clusterlint errors with a patch pending: action; upgrades pending
	# and nothing else: attention
	grep -q 'data-verdict="action" data-cluster-id="9b47e2a1-3c58-4f0d-8e6a-c2d19f7b5a30"' "$T/page.html" ||
		fail "staging-api is not action" || return 1
	grep -q 'data-verdict="attention" data-cluster-id="c83d0f5a-1e92-4b67-a0c4-6f2e8d9b1a75"' "$T/page.html" ||
		fail "analytics is not attention" || return 1
	grep -q 'href="/metrics"' "$T/page.html" || fail "no link to /metrics" || return 1
	grep -q 'href="/-/healthy"' "$T/page.html" && grep -q 'href="/-/ready"' "$T/page.html" ||
		fail "no links to the health endpoints" || return 1
	grep -q 'prefers-color-scheme: dark' "$T/page.html" || fail "no dark scheme" || return 1
	if grep -qi '<script\|<link\|src=\|@import\|url(' "$T/page.html"; then fail "a script or an external asset"; return 1; fi
	grep -q '<tr class="window">' "$T/page.html" || fail "no maintenance windows" || return 1
	# a request does no API call and no rendering: 50 of them, the same
	# bytes, and not one request more at the fake
	local before after
	before=$(wc -l <"$T/requests.log")
	for _ in $(seq 50); do
		curl -fsS "$EXP_URL/" | cmp -s - "$T/page.html" || fail "the page changed between requests" || return 1
	done
	after=$(wc -l <"$T/requests.log")
	[ "$before" = "$after" ] || fail "requests to / reached the API: $before -> $after" || return 1
	# HEAD: the headers alone
	[ "$(curl -s --head -o /dev/null -w '%{size_download}' "$EXP_URL/")" = 0 ] || fail "HEAD / sent a body"
}

# Before the first publication: a short page that says so, 503 like
# /-/ready, with Retry-After; the page once the list is in.
t_statuspage_not_ready() {
	start_fake "$SCENARIOS/readiness.json" || return 1
	python3 - "$T/active.json" <<'PY' || return 1
import json, sys
d = json.load(open(sys.argv[1]))
d["faults"] = [{"route": "clusters", "delay_ms": 4000, "times": 1}]
json.dump(d, open(sys.argv[1], "w"))
PY
	reload_fake "$T/active.json" 2>/dev/null || kill -HUP "$FAKE_PID"
	write_config ""
	start_exporter || return 1
	curl -s -D "$T/headers" -o "$T/early.html" "$EXP_URL/" >/dev/null
	grep -q '^HTTP/1.1 503' "$T/headers" || fail "before the first cycle: $(head -1 "$T/headers")" || return 1
	grep -qi '^retry-after: 5' "$T/headers" || fail "no Retry-After" || return 1
	grep -q 'No data yet' "$T/early.html" || fail "the early page does not say why" || return 1
	grep -q 'href="/metrics"' "$T/early.html" || fail "the early page lost its links" || return 1
	wait_cycles 1 || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/")" = 200 ] || fail "/ after the first cycle"
}

# The same TLS and basic authentication as every other path.
t_statuspage_auth() {
	web_pki || return 1
	start_fake "$SCENARIOS/readiness.json" || return 1
	write_config ""
	write_web "$web_tls_block
basic_auth_users:
  alice: $WEB_ALICE_HASH
"
	start_exporter_https || return 1
	wait_cycles 1 || return 1
	check_auth_path "$EXP_URL/" 200 || return 1
	curl -fsS --max-time 5 --cacert "$PKI/ca.crt" -u alice:alice-pw "$EXP_URL/" >"$T/page.html" ||
		fail "the page with a login" || return 1
	grep -q '<td class="name">edge-cache</td>' "$T/page.html" || fail "no cluster on the page over HTTPS" || return 1
	# plain HTTP to the TLS port gets nothing
	local port=${EXP_URL##*:}
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/")" = 000 ] ||
		fail "the page answered in clear text"
}

# Names from the API are text, never markup.
t_statuspage_hostile_names() {
	cat >"$T/names.json" <<'JSON'
{
  "token": "test-token",
  "clusters": [
    { "cluster": { "id": "11111111-2222-4333-8444-555555555555",
        "name": "<script>alert(1)</script>\"'&<img src=x onerror=alert(2)>", "region": "nyc1",
        "version": "1.29.1-do.0", "status": {"state": "provisioning"}, "node_pools": [],
        "maintenance_policy": {"day": "any", "start_time": "03:00", "duration": "4h0m0s"} } }
  ]
}
JSON
	start_fake "$T/names.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	curl -fsS "$EXP_URL/" >"$T/page.html" || return 1
	if grep -q '<script\|<img' "$T/page.html"; then fail "markup from a name: $(grep -n '<script\|<img' "$T/page.html")"; return 1; fi
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;&lt;img src=x onerror=alert(2)&gt;' "$T/page.html" ||
		fail "the name is not escaped: $(grep -n 'alert' "$T/page.html" | head -3)"
}

# A real browser: Chromium loads the page against the fake API; the DOM
# has a row for every cluster with the verdict --check gives it, and a
# screenshot is kept in the test's folder.
t_statuspage_browser() {
	command -v "$CHROMIUM" >/dev/null || fail "no $CHROMIUM: apt-get install chromium" || return 1
	start_fake "$SCENARIOS/readiness.json" || return 1
	POLL_INTERVAL=3600 write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --check --output json \
		>"$T/check.json" 2>"$T/check.err"
	chromium_run --dump-dom "$EXP_URL/" >"$T/dom.html" || fail "chromium --dump-dom: $(tail -3 "$T/chromium.log")" || return 1
	python3 - "$T/dom.html" "$T/check.json" <<'PY' || fail "DOM: $(head -c 300 "$T/dom.html")" || return 1
import html.parser, json, sys

class Rows(html.parser.HTMLParser):
    """Rows of table#readiness: the cluster name and the verdict cell."""
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.text, self.scripts = {}, None, "", 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "tr" and "cluster" in (a.get("class") or "").split():
            self.row = {"verdict_attr": a.get("data-verdict")}
        cls = a.get("class") or ""
        if tag == "td" and (cls == "name" or cls.startswith("verdict ")):
            self.cell, self.text = cls, ""
            if cls != "name":
                self.row["verdict_class"] = cls
    def handle_data(self, data):
        if self.cell:
            self.text += data
    def handle_endtag(self, tag):
        if tag == "td" and self.cell:
            self.row["name" if self.cell == "name" else "verdict"] = self.text
            self.cell = None
        if tag == "tr" and hasattr(self, "row") and "name" in self.row:
            self.rows[self.row["name"]] = self.row
            del self.row

p = Rows()
p.feed(open(sys.argv[1]).read())
assert p.scripts == 0, "a script in the DOM"
check = {c["name"]: c["verdict"] for c in json.load(open(sys.argv[2]))["clusters"]}
assert set(p.rows) == set(check), (sorted(p.rows), sorted(check))
for name, verdict in check.items():
    row = p.rows[name]
    assert row["verdict"] == verdict == row["verdict_attr"], (name, row, verdict)
    assert "v-" + verdict in row["verdict_class"], row
PY
	chromium_run --screenshot="$T/statuspage.png" --window-size=1280,900 "$EXP_URL/" >/dev/null ||
		fail "chromium --screenshot: $(tail -3 "$T/chromium.log")" || return 1
	[ "$(head -c 8 "$T/statuspage.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "the screenshot is not a PNG" || return 1
	[ "$(stat -c %s "$T/statuspage.png")" -gt 10000 ] || fail "the screenshot is blank" || return 1
	# kept where the test's folder is, even when it passes
	mkdir -p "${STATUSPAGE_SHOTS:-$T}" && cp "$T/statuspage.png" "${STATUSPAGE_SHOTS:-$T}/" 2>/dev/null
	return 0
}
