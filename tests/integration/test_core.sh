# Core behaviour of the exporter: output, endpoints, configuration, polling.
# Sourced by run.sh; each t_* function is one test.


t_golden_once() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	local out
	out=$(DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once 2>"$T/err") ||
		fail "--once exited $? on a healthy API" || return 1
	printf '%s\n' "$out" | mask_volatile >"$T/basic.prom"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$T/basic.prom" tests/golden/basic.prom
	fi
	diff -u tests/golden/basic.prom "$T/basic.prom" >&2 || fail "output differs from tests/golden/basic.prom"
}

t_promtool_lint() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || fail "no cycle" || return 1
	scrape >"$T/scrape.prom" || fail "scrape failed" || return 1
	local lint
	lint=$("$PROMTOOL" check metrics <"$T/scrape.prom" 2>&1) || fail "promtool: $lint" || return 1
	[ -z "$lint" ] || fail "promtool lint: $lint"
}

t_http_endpoints() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	local code ctype
	code=$(curl -s -o "$T/landing" -w '%{http_code}' "$EXP_URL/")
	[ "$code" = 200 ] || fail "/ answered $code" || return 1
	grep -q 'href="/metrics"' "$T/landing" || fail "landing page does not link /metrics" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/-/healthy")" = 200 ] || fail "/-/healthy" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/-/ready")" = 200 ] || fail "/-/ready" || return 1
	ctype=$(curl -s -o /dev/null -w '%{content_type}' "$EXP_URL/metrics")
	[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ] || fail "content type: $ctype" || return 1
	# HEAD: the headers of GET, no body
	curl -sI "$EXP_URL/metrics" >"$T/head" || return 1
	grep -q '^HTTP/1.1 200' "$T/head" || fail "HEAD /metrics: $(head -1 "$T/head")" || return 1
	[ "$(curl -s --head -o /dev/null -w '%{size_download}' "$EXP_URL/metrics")" = 0 ] || fail "HEAD sent a body" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/nope")" = 404 ] || fail "/nope not 404" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$EXP_URL/metrics")" = 405 ] || fail "POST not 405" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$EXP_URL/")" = 405 ] || fail "DELETE not 405" || return 1
	curl -s -D - -o /dev/null -X PUT "$EXP_URL/metrics" | grep -qi '^allow: GET, HEAD' || fail "405 without Allow"
}

t_telemetry_path_flag() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config 'web = { telemetry_path = "/from-config"; };'
	start_exporter --web.telemetry-path /custom || return 1
	wait_cycles 1 || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/custom")" = 200 ] || fail "/custom" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/from-config")" = 404 ] || fail "flag did not win over the file"
}

t_ready_only_after_first_cycle() {
	scenario_with_faults "$T/slow.json" '[{"route": "clusters", "delay_ms": 2500}]'
	start_fake "$T/slow.json" || return 1
	write_config ""
	start_exporter || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/-/ready")" = 503 ] || fail "ready before the first cycle" || return 1
	SCRAPE=$(scrape) || fail "/metrics must answer before the first cycle" || return 1
	assert_has "$SCRAPE" "process_start_time_seconds" || return 1
	assert_lacks "$SCRAPE" "doks_cluster_info" || return 1
	wait_cycles 1 || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/-/ready")" = 200 ] || fail "not ready after the first cycle"
}

t_once_exit_status() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	local rc=$?
	[ $rc = 1 ] || fail "--once with a failing upgrades call exited $rc, want 1" || return 1
	grep -q '^doks_cluster_info{' "$T/out" || fail "--once printed no metrics"
}

# A config error exits 2 with a message naming the problem.
expect_config_error() {
	local want=$1
	shift
	local rc
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 2 ] || fail "exit $rc, want 2 for: $want ($(cat "$T/err"))" || return 1
	grep -qF -- "$want" "$T/err" || fail "stderr lacks '$want': $(cat "$T/err")"
}

t_startup_errors() {
	local run=(env DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/c.conf" --once)
	printf 'api = { url = "http://127.0.0.1:1"; };\n' >"$T/c.conf"
	expect_config_error "no API token" env -u DIGITALOCEAN_TOKEN -u DIGITALOCEAN_ACCESS_TOKEN \
		"$EXPORTER" --config.file="$T/c.conf" --once || return 1
	printf 'api = { url = "http://127.0.0.1:1"; };\npoll = { interval = ; };\n' >"$T/c.conf"
	expect_config_error "line=2" "${run[@]}" || return 1
	expect_config_error "$T/c.conf" "${run[@]}" || return 1
	printf 'api = { url = "http://127.0.0.1:1"; };\npoll = {\n  intervall = 5;\n};\n' >"$T/c.conf"
	expect_config_error 'line=3 key=poll.intervall err="unknown key"' "${run[@]}" || return 1
	printf 'apii = { };\n' >"$T/c.conf"
	expect_config_error 'key=apii err="unknown key"' "${run[@]}" || return 1
	printf 'poll = { interval = "60"; };\n' >"$T/c.conf"
	expect_config_error 'key=poll.interval err="must be a whole number"' "${run[@]}" || return 1
	printf 'poll = { interval = 0; };\n' >"$T/c.conf"
	expect_config_error 'key=poll.interval err="must be between 1 and' "${run[@]}" || return 1
	printf 'api = { url = "http://api.example.com"; };\n' >"$T/c.conf"
	expect_config_error "loopback" "${run[@]}" || return 1
	printf 'api = { url = "ftp://127.0.0.1"; };\n' >"$T/c.conf"
	expect_config_error "key=api.url" "${run[@]}" || return 1
	printf 'clusters = { discover = false; };\n' >"$T/c.conf"
	expect_config_error "nothing to watch" "${run[@]}" || return 1
	printf 'clusters = { ids = [ "../../v2/account" ]; };\n' >"$T/c.conf"
	expect_config_error "key=clusters.ids" "${run[@]}" || return 1
	printf 'api = { token_file = "%s/missing-token"; };\n' "$T" >"$T/c.conf"
	expect_config_error "cannot read the token file" "${run[@]}" || return 1
	printf 'api = { url = "http://127.0.0.1:1"; };\n' >"$T/c.conf"
	expect_config_error "invalid listen address" "${run[@]}" --web.listen-address=nocolon || return 1
	expect_config_error "cannot read the configuration file" env DIGITALOCEAN_TOKEN=$TOKEN \
		"$EXPORTER" --config.file="$T/does-not-exist.conf" --once || return 1
	expect_config_error "unknown flag" "$EXPORTER" --no-such-flag || return 1
	expect_config_error "needs a value" "$EXPORTER" --config.file || return 1
	expect_config_error "log.level" "$EXPORTER" --log.level=loud || return 1
}

t_token_sources() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	# doctl's variable name
	env -u DIGITALOCEAN_TOKEN DIGITALOCEAN_ACCESS_TOKEN=$TOKEN "$EXPORTER" \
		--config.file="$T/doks.conf" --once >/dev/null 2>"$T/err" || fail "DIGITALOCEAN_ACCESS_TOKEN: $(cat "$T/err")" || return 1
	# a token file wins over the environment
	printf '%s\n' "$TOKEN" >"$T/token"
	chmod 600 "$T/token"
	API_EXTRA="token_file = \"$T/token\";" write_config ""
	DIGITALOCEAN_TOKEN=wrong-token "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>"$T/err" ||
		fail "token_file: $(cat "$T/err")" || return 1
	if grep -q 'auth=bad\|	bad	' "$FAKE_LOG"; then fail "a request carried the wrong token"; return 1; fi
	grep -qv '	ok	' "$FAKE_LOG" && fail "not every request was authenticated" && return 1
	return 0
}

t_requests_are_well_formed() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>&1 || return 1
	# every request: GET, the right token, our User-Agent
	awk -F'\t' '$4 != "ok" || $5 != "doks_exporter/0.1.0" { bad=1 } END { exit bad }' "$FAKE_LOG" ||
		fail "a request lacked the token or the User-Agent: $(head -3 "$FAKE_LOG")" || return 1
	grep -qP '^GET\t/v2/kubernetes/clusters\tper_page=200\t' "$FAKE_LOG" || fail "list not asked with per_page=200" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters/[^/]+/upgrades\t' "$FAKE_LOG")" = 4 ] || fail "want 4 upgrades requests" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters/[^/]+/credentials\texpiry_seconds=300\t' "$FAKE_LOG")" = 4 ] ||
		fail "want 4 credentials requests with expiry_seconds=300" || return 1
}

t_credentials_interval() {
	start_fake "$SCENARIOS/basic.json" || return 1
	CRED_INTERVAL=3600 write_config ""
	start_exporter || return 1
	wait_cycles 3 || return 1
	# due in the first cycle, then not again for an hour
	[ "$(grep -c '/credentials' "$FAKE_LOG")" = 4 ] || fail "credentials asked $(grep -c /credentials "$FAKE_LOG") times, want 4" || return 1
	# upgrades too: nothing changed, and poll.upgrades_interval is an hour
	[ "$(grep -c '/upgrades' "$FAKE_LOG")" = 4 ] || fail "upgrades asked $(grep -c /upgrades "$FAKE_LOG") times, want 4" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters\t' "$FAKE_LOG")" -ge 3 ] || fail "the list is not read every cycle" || return 1
	stop_all
	start_fake "$SCENARIOS/basic.json" || return 1
	CRED_INTERVAL=0 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>/dev/null || return 1
	if grep -q '/credentials' "$FAKE_LOG"; then fail "credentials_interval = 0 still calls /credentials"; return 1; fi
	if grep -q 'credentials_expiry' "$T/out"; then fail "credentials metrics exported while disabled"; return 1; fi
	return 0
}

t_read_only() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 3 || return 1
	stop_all
	[ -s "$FAKE_LOG" ] || fail "no request logged" || return 1
	awk -F'\t' '$1 != "GET"' "$FAKE_LOG" | grep -q . && fail "non-GET requests: $(awk -F'\t' '$1 != "GET"' "$FAKE_LOG")" && return 1
	# GET .../destroy_with_associated_resources is a plain read (the
	# associated resources); its /dangerous and /selective forms delete
	grep -qE 'destroy_with_associated_resources/(dangerous|selective)|/upgrade	' "$FAKE_LOG" && fail "a write endpoint was called" && return 1
	grep -qP '^GET\t/v2/kubernetes/clusters/[^/]+/destroy_with_associated_resources\t' "$FAKE_LOG" ||
		fail "the associated resources were not read: the check above saw nothing" || return 1
	return 0
}

t_404_cluster_vanishes() {
	# the API lists a cluster but says 404 for its upgrades: it went
	# between the two, and leaves the output
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 404}]"
	start_fake "$T/s.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	SCRAPE=$(cat "$T/out")
	assert_lacks "$SCRAPE" "cluster_id=\"$CLUSTER_PATCH\"" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{cluster_id=\"$CLUSTER_SEVERAL\"" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 3 ] || fail "doks_exporter_clusters $(metric_value doks_exporter_clusters), want 3"
}

t_cluster_missing_from_discovery_vanishes() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	# the same scenario without the "several" cluster
	grep -v 'clusters/several.json\|upgrades/several.json' "$SCENARIOS/basic.json" |
		sed 's#"cluster_file": "../clusters/flaky.json",#&#' >"$T/three.json"
	# drop the now-empty object left behind
	tr '\n' '\r' <"$T/three.json" | sed 's/{\r *}, *\r//' | tr '\r' '\n' >"$T/three2.json"
	reload_fake "$T/three2.json" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	SCRAPE=$(scrape)
	assert_lacks "$SCRAPE" "$CLUSTER_SEVERAL" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 3 ] || fail "clusters $(metric_value doks_exporter_clusters), want 3"
}

t_configured_id_not_found() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config "clusters = { discover = false; ids = [ \"$CLUSTER_PATCH\", \"00000000-0000-4000-8000-00000000dead\" ]; };"
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "a 404 is a failed request: want exit 1" || return 1
	SCRAPE=$(cat "$T/out")
	assert_has "$SCRAPE" "doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"" || return 1
	assert_lacks "$SCRAPE" "00000000-0000-4000-8000-00000000dead" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 1 ] || fail "clusters, want 1" || return 1
	assert_lacks "$SCRAPE" "doks_exporter_discovery_success" || return 1
	grep -q '^GET	/v2/kubernetes/clusters/'"$CLUSTER_PATCH"'	' "$FAKE_LOG" || fail "cluster not read by id" || return 1
	if grep -qP '^GET\t/v2/kubernetes/clusters\t' "$FAKE_LOG"; then fail "listed clusters with discover = false"; return 1; fi
	grep -q 'cluster not found' "$T/err" || fail "no log line for the missing cluster"
}

t_500_keeps_last_values() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	SCRAPE=$(scrape)
	local info="doks_cluster_available_upgrade_info{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",version_slug=\"1.29.2-do.0\",kubernetes_version=\"1.29.2\",kind=\"patch\"}"
	local ps="doks_exporter_poll_success{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\",endpoint=\"upgrades\"}"
	[ "$(metric_value "$info")" = 1 ] || fail "no upgrade info before the fault" || return 1
	# the cluster's version moves (its upgrades are read again) and they fail
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 500}]" 1.29.1-do.1
	reload_fake "$T/s.json" || return 1
	wait_until 10 sh -c "[ \$(grep -c '$CLUSTER_PATCH/upgrades' '$FAKE_LOG') -ge 3 ]" || fail "failed upgrades not tried again" || return 1
	local n
	n=$(cycles_done)
	wait_cycles $((n + 1)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "$info")" = 1 ] || fail "last good upgrade info lost on a 500" || return 1
	[ "$(metric_value "$ps")" = 0 ] || fail "poll_success not 0 after a 500" || return 1
	[ "$(metric_value "doks_exporter_poll_success{cluster_id=\"$CLUSTER_CURRENT\",cluster_name=\"prod-web\",endpoint=\"upgrades\"}")" = 1 ] ||
		fail "another cluster's poll_success changed" || return 1
	local c
	c=$(metric_value 'doks_api_requests_total{endpoint="upgrades",code="500"}') || fail "no code=500 counter" || return 1
	[ "$c" -ge 2 ] || fail "500s counted $c, want >= 2" || return 1
	# the list fails too: the clusters stay
	scenario_with_faults "$T/s.json" "[{\"route\": \"upgrades\", \"cluster_id\": \"$CLUSTER_PATCH\", \"status\": 500}, {\"route\": \"clusters\", \"status\": 503}]" 1.29.1-do.1
	reload_fake "$T/s.json" || return 1
	# the round under way may have read the list before the reload: two
	# more rounds after it, each with a failed list
	n=$(cycles_done)
	wait_cycles $((n + 3)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_discovery_success)" = 0 ] || fail "discovery_success not 0 after a 503" || return 1
	[ "$(metric_value doks_exporter_clusters)" = 4 ] || fail "clusters lost on a failed discovery" || return 1
	c=$(metric_value 'doks_api_request_errors_total{endpoint="clusters",reason="status"}')
	[ "$c" -ge 2 ] || fail "status errors of the list counted $c" || return 1
	# and back to normal
	reload_fake "$SCENARIOS/basic.json" || return 1
	n=$(cycles_done)
	wait_cycles $((n + 2)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "$ps")" = 1 ] || fail "poll_success did not recover"
}

t_secrets_never_leave() {
	cat >"$T/secret.json" <<'JSON'
{
  "token": "test-token",
  "clusters": [
    { "cluster_file": "../clusters/patch.json",
      "upgrades_file": "../upgrades/patch.json",
      "credentials": {
        "server": "https://example.k8s.ondigitalocean.com",
        "certificate_authority_data": "Q0EtU0VDUkVULUJPRFktZG8tbm90LWxlYWs=",
        "client_certificate_data": "Q0xJRU5ULUNFUlQtU0VDUkVU",
        "client_key_data": "Q0xJRU5ULUtFWS1TRUNSRVQ=",
        "token": "cluster-token-SECRET-7f3a",
        "expires_at": "2030-01-01T00:00:00.123Z" } }
  ]
}
JSON
	start_fake "$T/secret.json" || return 1
	write_config ""
	start_exporter --log.level=debug || return 1
	wait_cycles 2 || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value "doks_cluster_credentials_expiry_timestamp_seconds{cluster_id=\"$CLUSTER_PATCH\",cluster_name=\"staging-api\"}")" = 1893456000.123 ] ||
		fail "credentials expiry: $(printf '%s' "$SCRAPE" | grep credentials_expiry)" || return 1
	stop_all
	grep -q 'level=debug' "$EXP_LOG" || fail "no debug lines were written" || return 1
	local s
	for s in test-token cluster-token-SECRET-7f3a Q0EtU0VDUkVULUJPRFktZG8tbm90LWxlYWs Q0xJRU5ULUNFUlQtU0VDUkVU Q0xJRU5ULUtFWS1TRUNSRVQ; do
		if grep -qF "$s" "$EXP_LOG"; then fail "secret $s in the log"; return 1; fi
		if printf '%s' "$SCRAPE" | grep -qF "$s"; then fail "secret $s in /metrics"; return 1; fi
	done
	return 0
}

t_sigterm_mid_request() {
	scenario_with_faults "$T/s.json" '[{"route": "upgrades", "mode": "never"}]'
	start_fake "$T/s.json" || return 1
	API_TIMEOUT=60 write_config ""
	start_exporter || return 1
	wait_until 10 grep -q '/upgrades' "$FAKE_LOG" || fail "no upgrades request" || return 1
	local t0 t1 rc
	t0=$(date +%s%N)
	kill -TERM "$EXP_PID"
	wait "$EXP_PID"
	rc=$?
	t1=$(date +%s%N)
	EXP_PID=
	[ $rc = 0 ] || fail "exit status $rc after SIGTERM" || return 1
	[ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "took $(((t1 - t0) / 1000000)) ms to stop, want < 1000"
}

t_sigint_when_idle() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	kill -INT "$EXP_PID"
	wait "$EXP_PID"
	local rc=$?
	EXP_PID=
	[ $rc = 0 ] || fail "exit status $rc after SIGINT"
}

# SIGTERM while libcurl resolves the API's name: libcurl used to wait for
# its resolver thread (4.4 s after SIGTERM in a review). The preload
# library holds getaddrinfo for 8 s; every mode must stop within a second.
t_sigterm_during_dns() {
	local host=api.slow-dns.invalid mode want
	cat >"$T/doks.conf" <<CONF
api = { url = "https://$host"; timeout = 60; retries = 0; };
CONF
	for mode in "" --once --check; do
		case $mode in --once) want=1 ;; --check) want=2 ;; *) want=0 ;; esac
		launch_slow DOKS_PRELOAD_SLOW_HOST=$host DOKS_PRELOAD_SLOW_MS=8000 -- $mode
		wait_until 10 grep -q "^getaddrinfo $host" "$T/preload.log" ||
			fail "[$mode] no name lookup: $(cat "$EXP_LOG")" || return 1
		stop_timed TERM
		echo "[${mode:-server}] stopped ${STOP_MS} ms after SIGTERM during a name lookup" >&2
		[ "$STOP_RC" = "$want" ] || fail "[$mode] exit status $STOP_RC, want $want" || return 1
		[ "$STOP_MS" -lt 1000 ] || fail "[$mode] took $STOP_MS ms to stop, want < 1000" || return 1
	done
}

# SIGTERM during start-up, while the state file is being opened (a hung
# network file system): the signals used to be blocked there, so the
# exporter went on for as long as the open took. The preload library
# holds the open for 10 s.
t_sigterm_during_startup() {
	start_fake "$SCENARIOS/basic.json" || return 1
	printf '{"version": 1, "clusters": {}}\n' >"$T/state.json"
	write_config "state = { file = \"$T/state.json\"; };"
	local mode want
	for mode in "" --once --check; do
		case $mode in --once) want=1 ;; --check) want=2 ;; *) want=0 ;; esac
		launch_slow DOKS_PRELOAD_SLOW_PATH="$T/state.json" DOKS_PRELOAD_SLOW_MS=10000 -- $mode
		wait_until 10 grep -q "^open $T/state.json" "$T/preload.log" ||
			fail "[$mode] the state file was not opened: $(cat "$EXP_LOG")" || return 1
		stop_timed TERM
		echo "[${mode:-server}] stopped ${STOP_MS} ms after SIGTERM during start-up" >&2
		[ "$STOP_RC" = "$want" ] || fail "[$mode] exit status $STOP_RC, want $want" || return 1
		[ "$STOP_MS" -lt 1000 ] || fail "[$mode] took $STOP_MS ms to stop, want < 1000" || return 1
		grep -q 'level=info msg="stopped during start-up" signal=SIGTERM' "$EXP_LOG" ||
			fail "[$mode] no log line: $(cat "$EXP_LOG")" || return 1
	done
	# SIGINT too, and the server still starts when left alone
	launch_slow DOKS_PRELOAD_SLOW_PATH="$T/state.json" DOKS_PRELOAD_SLOW_MS=10000 --
	wait_until 10 grep -q "^open $T/state.json" "$T/preload.log" || return 1
	stop_timed INT
	[ "$STOP_RC" = 0 ] && [ "$STOP_MS" -lt 1000 ] || fail "SIGINT: exit $STOP_RC after $STOP_MS ms" || return 1
	launch_slow DOKS_PRELOAD_SLOW_PATH="$T/state.json" DOKS_PRELOAD_SLOW_MS=200 --
	wait_until 10 grep -q 'msg=listening' "$EXP_LOG" || fail "did not start after a slow open" || return 1
	stop_timed TERM
	[ "$STOP_RC" = 0 ] || fail "exit $STOP_RC after SIGTERM once running"
}

t_pagination() {
	start_fake "$SCENARIOS/paged.json" || return 1
	# the list due once in the round, however long 450 clusters' reads take
	POLL_INTERVAL=60 write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value doks_exporter_clusters)" = 450 ] || fail "clusters $(metric_value doks_exporter_clusters), want 450" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters\t' "$FAKE_LOG")" = 3 ] || fail "want 3 list pages" || return 1
	grep -qP '^GET\t/v2/kubernetes/clusters\tpage=3&per_page=200\t' "$FAKE_LOG" || fail "page 3 not asked"
}

t_pagination_loop() {
	start_fake "$SCENARIOS/loop.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "want exit 1" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value 'doks_api_request_errors_total{endpoint="clusters",reason="page_loop"}')" = 1 ] || fail "page_loop not counted" || return 1
	[ "$(metric_value doks_exporter_discovery_success)" = 0 ] || fail "discovery_success not 0" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters\t' "$FAKE_LOG")" -le 4 ] || fail "followed the loop too long"
}

t_pagination_foreign_origin() {
	start_fake "$SCENARIOS/foreign.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	[ $? = 1 ] || fail "want exit 1" || return 1
	SCRAPE=$(cat "$T/out")
	[ "$(metric_value 'doks_api_request_errors_total{endpoint="clusters",reason="foreign_origin"}')" = 1 ] || fail "foreign_origin not counted" || return 1
	[ "$(grep -cP '^GET\t/v2/kubernetes/clusters\t' "$FAKE_LOG")" = 1 ] || fail "a second page was asked"
}

# Each fault gives no usable data and is counted with its reason.
fault_reason() {
	local faults=$1 endpoint=$2 reason=$3 extra=${4:-}
	scenario_with_faults "$T/f.json" "$faults"
	start_fake "$T/f.json" || return 1
	API_TIMEOUT=1 API_EXTRA="$extra" write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN timeout 20 "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err"
	local rc=$?
	stop_all
	[ $rc = 1 ] || fail "[$reason] exit $rc, want 1" || return 1
	SCRAPE=$(cat "$T/out")
	local v
	v=$(metric_value "doks_api_request_errors_total{endpoint=\"$endpoint\",reason=\"$reason\"}")
	[ "${v:-0}" -ge 1 ] || fail "[$reason] not counted: $(grep 'errors_total.*[1-9]$' "$T/out")" || return 1
	"$PROMTOOL" check metrics <"$T/out" >/dev/null 2>&1 || fail "[$reason] promtool rejects the output"
}

t_fault_reasons() {
	local c="\"cluster_id\": \"$CLUSTER_PATCH\""
	fault_reason "[{\"route\": \"upgrades\", $c, \"mode\": \"truncate\"}]" upgrades parse || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"body\": \"{\\\"available_upgrade_versions\\\": 5}\"}]" upgrades schema || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"status\": 502, \"mode\": \"html\"}]" upgrades status || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"delay_ms\": 3000}]" upgrades timeout || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"mode\": \"oversize\", \"size\": 200000}]" upgrades too_large \
		"max_response_bytes = 65536;" || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"mode\": \"oversize\", \"size\": 200000, \"chunked\": true}]" upgrades too_large \
		"max_response_bytes = 65536;" || return 1
	fault_reason "[{\"route\": \"upgrades\", $c, \"mode\": \"reset\"}]" upgrades reset || return 1
	fault_reason "[{\"route\": \"clusters\", \"body\": \"[1,2,3]\"}]" clusters schema || return 1
	fault_reason "[{\"route\": \"credentials\", $c, \"body\": \"{\\\"expires_at\\\": \\\"yesterday\\\"}\"}]" credentials schema || return 1
}

t_hostile_names_escaped() {
	cat >"$T/names.json" <<'JSON'
{
  "token": "test-token",
  "clusters": [
    { "cluster": { "id": "11111111-2222-4333-8444-555555555555",
        "name": "we\"ird\\name\nline-日本-\u00e9", "region": "nyc1", "version": "1.29.1-do.0",
        "status": {"state": "provisioning"}, "node_pools": [] } }
  ]
}
JSON
	start_fake "$T/names.json" || return 1
	write_config ""
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/out" 2>"$T/err" || fail "exit $?" || return 1
	grep -qF 'cluster_name="we\"ird\\name\nline-日本-é"' "$T/out" || fail "name not escaped: $(grep doks_cluster_info "$T/out")" || return 1
	grep -qF 'state="provisioning"} 1' "$T/out" || fail "state not exported" || return 1
	"$PROMTOOL" check metrics <"$T/out" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")"
}

t_version_and_help() {
	"$EXPORTER" --version >"$T/out" 2>&1 || fail "--version exited $?" || return 1
	grep -q '^doks_exporter, version 0.1.0 (revision: ' "$T/out" || fail "--version: $(cat "$T/out")" || return 1
	"$EXPORTER" --help >"$T/out" 2>&1 || fail "--help exited $?" || return 1
	grep -q -- '--web.listen-address' "$T/out" || fail "--help does not list the flags"
}

t_logs_are_logfmt() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	start_exporter --log.level=debug || return 1
	wait_cycles 1 || return 1
	stop_all
	# every line: ts=<RFC 3339 UTC> level=<level> msg=...
	local bad
	bad=$(grep -vE '^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z level=(debug|info|warn|error) msg=' "$EXP_LOG")
	[ -z "$bad" ] || fail "not logfmt: $bad" || return 1
	grep -q 'level=debug msg="API request" method=GET endpoint=upgrades' "$EXP_LOG" || fail "no debug request trace" || return 1
	grep -q 'level=warn msg="API answered with an error" endpoint=upgrades cluster_id='"$CLUSTER_FLAKY"' status=500 error_id=server_error' "$EXP_LOG" ||
		fail "the failing call is not logged with its status and error id"
}

# Scrapes are answered from the snapshot while the API hangs.
t_scrape_never_waits_on_the_api() {
	start_fake "$SCENARIOS/basic.json" || return 1
	API_TIMEOUT=60 write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	local n
	n=$(grep -c '/upgrades' "$FAKE_LOG")
	scenario_with_faults "$T/s.json" '[{"route": "upgrades", "mode": "never"}]' 1.29.1-do.1
	reload_fake "$T/s.json" || return 1
	wait_until 10 sh -c "[ \$(grep -c /upgrades '$FAKE_LOG') -gt $n ]" || fail "no stalled request" || return 1
	# the cycle is stuck for up to 60 s; a scrape still gets the last snapshot
	SCRAPE=$(curl -fsS --max-time 5 "$EXP_URL/metrics") || fail "scrape waited on the stalled API" || return 1
	assert_has "$SCRAPE" "doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"" || return 1
	[ "$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$EXP_URL/-/healthy")" = 200 ] || fail "/-/healthy waited"
}

t_alert_rules_are_valid() {
	"$PROMTOOL" check rules dashboards/doks-alerts.rules.yml >"$T/out" 2>&1 || fail "$(cat "$T/out")"
}


# The example configuration is valid as shipped.
t_example_config_is_valid() {
	start_fake "$SCENARIOS/basic.json" || return 1
	sed "s#url = \"https://api.digitalocean.com\";#url = \"$FAKE_URL\";#" config/doks_exporter.conf >"$T/example.conf"
	grep -q "$FAKE_URL" "$T/example.conf" || fail "api.url not found in the example" || return 1
	DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/example.conf" --once >"$T/out" 2>"$T/err" ||
		fail "the example configuration fails: $(grep level=error "$T/err")"
}

# gzip when the scraper asks for it: compressed at publish, ended per scrape.
t_gzip_scrape() {
	start_fake "$SCENARIOS/demo.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	curl -fsS -D "$T/plain.h" "$EXP_URL/metrics" -o "$T/plain" || return 1
	curl -fsS -D "$T/gz.h" -H 'Accept-Encoding: gzip' "$EXP_URL/metrics" -o "$T/raw.gz" || return 1
	grep -qi '^content-encoding: gzip' "$T/gz.h" || fail "no Content-Encoding: gzip" || return 1
	grep -qi '^vary: accept-encoding' "$T/gz.h" || fail "no Vary" || return 1
	if grep -qi '^content-encoding' "$T/plain.h"; then fail "gzip without asking"; return 1; fi
	gzip -t "$T/raw.gz" || fail "not a valid gzip file" || return 1
	gzip -dc "$T/raw.gz" >"$T/gz" || return 1
	# the same text but for the process lines, read at each scrape
	diff <(grep -v '^process_\|^# .* process_' "$T/plain") <(grep -v '^process_\|^# .* process_' "$T/gz") >&2 ||
		fail "gzip body differs from the plain one" || return 1
	grep -q '^process_start_time_seconds ' "$T/gz" || fail "process lines missing from the gzip body" || return 1
	"$PROMTOOL" check metrics <"$T/gz" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")" || return 1
	[ "$(stat -c %s "$T/raw.gz")" -lt $(($(stat -c %s "$T/gz") / 3)) ] || fail "hardly compressed" || return 1
	# curl's own decoder, and q=0 refusing gzip
	curl -fsS --compressed "$EXP_URL/metrics" | grep -q '^doks_cluster_info{' || fail "curl --compressed" || return 1
	if curl -fsS -D - -o /dev/null -H 'Accept-Encoding: gzip;q=0, identity' "$EXP_URL/metrics" | grep -qi '^content-encoding'; then
		fail "gzip;q=0 was served gzip"
		return 1
	fi
	return 0
}

# Replicas with shards 0..N-1 together watch every cluster exactly once.
t_shards_cover_every_cluster_once() {
	start_fake "$SCENARIOS/paged.json" || return 1
	write_config ""
	local n i
	for n in 1 2 3 7; do
		: >"$T/ids"
		for i in $(seq 0 $((n - 1))); do
			DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once \
				--shard.index="$i" --shard.count "$n" >"$T/out" 2>"$T/err" || fail "shard $i of $n: exit $?" || return 1
			grep -q "^doks_exporter_shard_info{index=\"$i\",count=\"$n\"} 1" "$T/out" || fail "shard_info $i/$n" || return 1
			sed -n 's/^doks_cluster_info{cluster_id="\([^"]*\)".*/\1/p' "$T/out" >>"$T/ids"
		done
		[ "$(wc -l <"$T/ids")" = 450 ] || fail "$n shards watch $(wc -l <"$T/ids") clusters, want 450" || return 1
		[ "$(sort -u "$T/ids" | wc -l)" = 450 ] || fail "$n shards overlap" || return 1
		# stable: the same shard gets the same clusters again
		if [ "$n" = 3 ]; then
			DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once --shard.index=1 --shard.count=3 2>/dev/null |
				sed -n 's/^doks_cluster_info{cluster_id="\([^"]*\)".*/\1/p' >"$T/again"
			DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" --config.file="$T/doks.conf" --once --shard.index=1 --shard.count=3 2>/dev/null |
				sed -n 's/^doks_cluster_info{cluster_id="\([^"]*\)".*/\1/p' >"$T/again2"
			cmp -s "$T/again" "$T/again2" && [ -s "$T/again" ] || fail "shard membership not stable" || return 1
		fi
	done
	expect_config_error "must be below shard.count" env DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" \
		--config.file="$T/doks.conf" --once --shard.index=3 --shard.count=3 || return 1
	expect_config_error "--shard.count" env DIGITALOCEAN_TOKEN=$TOKEN "$EXPORTER" \
		--config.file="$T/doks.conf" --once --shard.count=0
}

# systemd's LoadCredential: the token in $CREDENTIALS_DIRECTORY.
t_token_from_systemd_credentials() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/creds"
	printf '%s\n' "$TOKEN" >"$T/creds/digitalocean_token"
	env -u DIGITALOCEAN_TOKEN -u DIGITALOCEAN_ACCESS_TOKEN CREDENTIALS_DIRECTORY="$T/creds" \
		"$EXPORTER" --config.file="$T/doks.conf" --once >/dev/null 2>"$T/err" || fail "exit $?: $(grep level=error "$T/err")" || return 1
	grep -q '	ok	' "$FAKE_LOG" || fail "the credential's token was not sent"
}

# A scrape leaves its connection open for the next one (Prometheus keeps
# connections alive; a new TCP, or TLS, handshake a scrape is waste).
t_scrapes_keep_the_connection() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	start_exporter || return 1
	wait_cycles 1 || return 1
	local connects
	connects=$(curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects} ' \
		"$EXP_URL/metrics" "$EXP_URL/metrics" "$EXP_URL/-/healthy")
	[ "$connects" = "1 0 0 " ] || fail "connections opened per request: $connects, want 1 0 0"
}
