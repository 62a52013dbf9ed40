# The web configuration file (--web.config.file): TLS, client
# certificates, basic authentication, and its errors. Sourced by run.sh;
# each t_web_* function is one test. Certificates are made with openssl
# at run time, in $T/pki.

# alice's password is alice-pw (tests/fixtures/web/users.yml; cost 04)
WEB_ALICE_HASH='$2b$04$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2'

# web_pki: a CA, a server certificate for 127.0.0.1 and localhost, a
# client certificate signed by the CA, and a self-signed client one.
web_pki() {
	PKI="$T/pki"
	mkdir -p "$PKI"
	local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	{
		openssl req -x509 "${ec[@]}" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" -days 2 \
			-subj "/CN=doks_exporter test CA" &&
		openssl req "${ec[@]}" -keyout "$PKI/server.key" -out "$PKI/server.csr" -subj "/CN=localhost" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$PKI/server.ext" &&
		openssl x509 -req -in "$PKI/server.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
			-out "$PKI/server.crt" -days 2 -extfile "$PKI/server.ext" &&
		openssl req "${ec[@]}" -keyout "$PKI/client.key" -out "$PKI/client.csr" -subj "/CN=prometheus" &&
		printf 'extendedKeyUsage=clientAuth\n' >"$PKI/client.ext" &&
		openssl x509 -req -in "$PKI/client.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
			-out "$PKI/client.crt" -days 2 -extfile "$PKI/client.ext" &&
		openssl req -x509 "${ec[@]}" -keyout "$PKI/intruder.key" -out "$PKI/intruder.crt" -days 2 \
			-subj "/CN=prometheus" -addext extendedKeyUsage=clientAuth
	} >"$T/openssl.log" 2>&1 || fail "openssl: $(tail -3 "$T/openssl.log")"
}

# write_web TEXT: the web configuration in $T/pki/web.yml, next to the
# certificates, so that relative paths name them.
write_web() {
	printf '%s' "$1" >"$PKI/web.yml"
}

# start_exporter_https [FLAGS...]: start_exporter with the web
# configuration; EXP_URL becomes https://.
start_exporter_https() {
	start_exporter --web.config.file="$PKI/web.yml" "$@" || return 1
	EXP_URL="https://${EXP_URL#http://}"
}

# wcurl [CURL ARGS...]: curl trusting the test CA; prints the status code
# ("000" when no HTTP answer came back).
wcurl() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$PKI/ca.crt" "$@"
}

# expect_refused WHAT CODE: a refused client gets no HTTP answer at all
# (the handshake failed) or a 403.
expect_refused() {
	[ "$2" = 000 ] || [ "$2" = 403 ] || fail "$1: got $2, want a failed handshake or 403"
}

web_tls_block='tls_server_config:
  cert_file: server.crt
  key_file: server.key
'

t_web_https_scrape() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block"
	start_exporter_https || return 1
	grep -q 'msg=listening .*tls=true basic_auth=false' "$EXP_LOG" || fail "no tls=true in: $(grep listening "$EXP_LOG")" || return 1
	wait_cycles 1 || return 1
	curl -fsS --max-time 5 --cacert "$PKI/ca.crt" "$EXP_URL/metrics" >"$T/scrape.prom" ||
		fail "HTTPS scrape failed" || return 1
	grep -q "^doks_cluster_info{cluster_id=\"$CLUSTER_PATCH\"" "$T/scrape.prom" || fail "no cluster in the HTTPS scrape" || return 1
	local lint
	lint=$("$PROMTOOL" check metrics <"$T/scrape.prom" 2>&1) || fail "promtool: $lint" || return 1
	[ -z "$lint" ] || fail "promtool lint: $lint" || return 1
	# the name in the certificate, too
	local port=${EXP_URL##*:}
	[ "$(wcurl "https://localhost:$port/-/healthy")" = 200 ] || fail "https://localhost" || return 1
	[ "$(wcurl "$EXP_URL/")" = 200 ] || fail "landing page over HTTPS" || return 1
	# plain HTTP to the TLS port gets no answer
	local plain
	plain=$(curl -s --max-time 5 -o "$T/plain" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
	[ "$plain" = 000 ] || fail "plain HTTP to the TLS port answered $plain" || return 1
	if grep -q doks_cluster_info "$T/plain" 2>/dev/null; then fail "metrics sent in clear text"; return 1; fi
	# an untrusted server certificate is refused by the client, as it should
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$EXP_URL/metrics")" = 000 ] || fail "curl trusted a test CA" || return 1
	# the key never reaches the log
	if grep -q 'PRIVATE KEY' "$EXP_LOG"; then fail "the key was logged"; return 1; fi
	return 0
}

# One path: 401 with the challenge without a login, with a wrong password
# and for an unknown user; WANT with the right one.
check_auth_path() {
	local url=$1 want=$2 code
	curl -s -D "$T/h" -o /dev/null --max-time 5 --cacert "$PKI/ca.crt" "$url" >/dev/null
	grep -q '^HTTP/1.1 401' "$T/h" || fail "$url without a login: $(head -1 "$T/h")" || return 1
	grep -qi '^WWW-Authenticate: Basic realm="doks_exporter"' "$T/h" || fail "$url: no WWW-Authenticate" || return 1
	[ "$(wcurl -u alice:wrong-pw "$url")" = 401 ] || fail "$url: wrong password not 401" || return 1
	[ "$(wcurl -u mallory:alice-pw "$url")" = 401 ] || fail "$url: unknown user not 401" || return 1
	[ "$(wcurl -H 'Authorization: Bearer alice-pw' "$url")" = 401 ] || fail "$url: Bearer not 401" || return 1
	code=$(wcurl -u alice:alice-pw "$url")
	[ "$code" = "$want" ] || fail "$url with the right login: $code, want $want"
}

t_web_basic_auth() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block
basic_auth_users:
  alice: $WEB_ALICE_HASH
"
	start_exporter_https --log.level=debug || return 1
	wait_cycles 1 || return 1
	check_auth_path "$EXP_URL/metrics" 200 || return 1
	check_auth_path "$EXP_URL/-/healthy" 200 || return 1
	check_auth_path "$EXP_URL/" 200 || return 1
	check_auth_path "$EXP_URL/-/ready" 200 || return 1
	check_auth_path "$EXP_URL/nope" 404 || return 1
	# authentication comes before the method check
	[ "$(wcurl -X POST "$EXP_URL/metrics")" = 401 ] || fail "POST without a login not 401" || return 1
	[ "$(wcurl -u alice:alice-pw -X POST "$EXP_URL/metrics")" = 405 ] || fail "POST with a login not 405" || return 1
	curl -fsS --max-time 5 --cacert "$PKI/ca.crt" -u alice:alice-pw "$EXP_URL/metrics" >"$T/scrape.prom" || return 1
	"$PROMTOOL" check metrics <"$T/scrape.prom" >"$T/lint" 2>&1 || fail "promtool: $(cat "$T/lint")" || return 1
	# failures are logged at debug level with the user, never the password
	grep -q 'level=debug msg="authentication failed" .*user=alice' "$EXP_LOG" || fail "no debug line for a failed login" || return 1
	grep -q 'level=debug msg="authentication failed" .*user=mallory' "$EXP_LOG" || fail "no debug line for an unknown user" || return 1
	if grep -q 'alice-pw\|wrong-pw' "$EXP_LOG"; then fail "a password reached the log"; return 1; fi
	if grep 'authentication failed' "$EXP_LOG" | grep -qv 'level=debug'; then fail "failed login above debug"; return 1; fi
	return 0
}

# Basic authentication works without TLS too, as with exporter-toolkit.
t_web_basic_auth_plain_http() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "basic_auth_users:
  alice: $WEB_ALICE_HASH
"
	start_exporter --web.config.file="$PKI/web.yml" || return 1
	wait_cycles 1 || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$EXP_URL/metrics")" = 401 ] || fail "no login not 401" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:alice-pw "$EXP_URL/metrics")" = 200 ] || fail "login not 200"
}

t_web_require_and_verify_client_cert() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block  client_auth_type: RequireAndVerifyClientCert
  client_ca_file: ca.crt
"
	start_exporter_https || return 1
	wait_cycles 1 || return 1
	expect_refused "no client certificate" "$(wcurl "$EXP_URL/metrics")" || return 1
	[ "$(wcurl --cert "$PKI/client.crt" --key "$PKI/client.key" "$EXP_URL/metrics")" = 200 ] ||
		fail "a client certificate signed by the CA was refused" || return 1
	expect_refused "self-signed client certificate" \
		"$(wcurl --cert "$PKI/intruder.crt" --key "$PKI/intruder.key" "$EXP_URL/metrics")" || return 1
	# the same over TLS 1.2, where the certificate comes in the handshake proper
	[ "$(wcurl --tls-max 1.2 --cert "$PKI/client.crt" --key "$PKI/client.key" "$EXP_URL/-/healthy")" = 200 ] ||
		fail "TLS 1.2 with a good client certificate" || return 1
	expect_refused "TLS 1.2, self-signed" \
		"$(wcurl --tls-max 1.2 --cert "$PKI/intruder.crt" --key "$PKI/intruder.key" "$EXP_URL/-/healthy")" || return 1
	expect_refused "TLS 1.2, no certificate" "$(wcurl --tls-max 1.2 "$EXP_URL/-/healthy")"
}

t_web_verify_client_cert_if_given() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block  client_auth_type: VerifyClientCertIfGiven
  client_ca_file: ca.crt
"
	start_exporter_https || return 1
	[ "$(wcurl "$EXP_URL/-/healthy")" = 200 ] || fail "no client certificate was refused" || return 1
	[ "$(wcurl --cert "$PKI/client.crt" --key "$PKI/client.key" "$EXP_URL/-/healthy")" = 200 ] ||
		fail "a client certificate signed by the CA was refused" || return 1
	expect_refused "self-signed client certificate" \
		"$(wcurl --cert "$PKI/intruder.crt" --key "$PKI/intruder.key" "$EXP_URL/-/healthy")"
}

# RequireAnyClientCert: a certificate, any certificate; no CA needed.
t_web_require_any_client_cert() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block  client_auth_type: RequireAnyClientCert
"
	start_exporter_https || return 1
	expect_refused "no client certificate" "$(wcurl "$EXP_URL/-/healthy")" || return 1
	[ "$(wcurl --cert "$PKI/intruder.crt" --key "$PKI/intruder.key" "$EXP_URL/-/healthy")" = 200 ] ||
		fail "a self-signed client certificate was refused"
}

t_web_tls_versions() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block  min_version: TLS13
"
	start_exporter_https || return 1
	[ "$(wcurl --tls-max 1.2 "$EXP_URL/-/healthy")" = 000 ] || fail "TLS 1.2 accepted with min_version TLS13" || return 1
	[ "$(wcurl --tlsv1.3 "$EXP_URL/-/healthy")" = 200 ] || fail "TLS 1.3 refused" || return 1
	stop_all
	# the default: TLS 1.2 and 1.3
	write_web "$web_tls_block"
	start_exporter_https || return 1
	[ "$(wcurl --tls-max 1.1 "$EXP_URL/-/healthy")" = 000 ] || fail "TLS 1.1 accepted by default" || return 1
	[ "$(wcurl --tls-max 1.2 "$EXP_URL/-/healthy")" = 200 ] || fail "TLS 1.2 refused by default" || return 1
	stop_all
	write_web "$web_tls_block  max_version: TLS12
"
	start_exporter_https || return 1
	[ "$(wcurl --tlsv1.3 "$EXP_URL/-/healthy")" = 000 ] || fail "TLS 1.3 accepted with max_version TLS12"
}

# Connections that open and never finish a handshake do not hold up a
# scrape.
t_web_stalled_handshakes() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block"
	start_exporter_https || return 1
	local port=${EXP_URL##*:} i
	for i in 1 2 3 4 5 6 7 8; do
		eval "exec $((i + 20))<>/dev/tcp/127.0.0.1/$port" || return 1
	done
	printf '\x16\x03\x01\x00' >&21 # the start of a ClientHello, then nothing
	local code
	code=$(wcurl --max-time 3 "$EXP_URL/-/healthy")
	for i in 1 2 3 4 5 6 7 8; do
		eval "exec $((i + 20))>&-"
	done
	[ "$code" = 200 ] || fail "scrape beside stalled handshakes: $code"
}

# web_expect_error WANT...: the exporter exits 2 at once, and its stderr
# holds every WANT.
web_expect_error() {
	local rc want
	DIGITALOCEAN_TOKEN=$TOKEN timeout 10 "$EXPORTER" --config.file="$T/doks.conf" \
		--web.listen-address=127.0.0.1:0 --web.config.file="$PKI/web.yml" >"$T/out" 2>"$T/err"
	rc=$?
	[ $rc = 2 ] || fail "exit $rc, want 2 ($(cat "$T/err"))" || return 1
	for want in "$@"; do
		grep -qF -- "$want" "$T/err" || fail "stderr lacks '$want': $(cat "$T/err")" || return 1
	done
	if grep -q 'msg=listening' "$T/err"; then fail "listened with a bad web configuration"; return 1; fi
	return 0
}

t_web_config_errors() {
	web_pki || return 1
	printf 'api = { url = "http://127.0.0.1:1"; };\n' >"$T/doks.conf"
	write_web "$web_tls_block  client_auth: NoClientCert
"
	web_expect_error "file=$PKI/web.yml line=4 key=tls_server_config.client_auth" 'err="unknown key"' || return 1
	write_web "tls_server_config:
  cert_file: missing.crt
  key_file: server.key
"
	web_expect_error "file=$PKI/web.yml line=2 key=tls_server_config.cert_file" "cannot read $PKI/missing.crt" || return 1
	write_web "$web_tls_block  client_allowed_sans: [prometheus]
"
	web_expect_error "line=4 key=tls_server_config.client_allowed_sans" "not supported" || return 1
	write_web "$web_tls_block  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]
"
	web_expect_error "line=4 key=tls_server_config.cipher_suites" "RC4" || return 1
	write_web "basic_auth_users:
  alice: $WEB_ALICE_HASH
  zed: '\$2b\$17\$1zBdUplhkXVEqsTSAZvy3.fbKoh7lQqF/YuzzUOTn1zJ9QRfQv9W2'
"
	web_expect_error "line=3 key=basic_auth_users.zed" "cost 17 is above 16" || return 1
	write_web "# users
basic_auth_users:
  alice: '\$6\$aPXvItNy8o5u7wsn\$VgdfrtllUzfr9OEBDA5HYL9hRK9vS1npfyxUzsA0VL8djg2iCZfxPJyBbyWP/u7SlBzU5SaNu7rtQ1RMr.wQK1'
"
	web_expect_error "line=3 key=basic_auth_users.alice" "bcrypt" || return 1
	write_web "$web_tls_block  min_version: TLS14
"
	web_expect_error "line=4 key=tls_server_config.min_version" "unknown TLS version" || return 1
	write_web "tls_server_config:
  cert_file: server.crt
   key_file: server.key
"
	web_expect_error "file=$PKI/web.yml line=3" "syntax error" || return 1
	rm -f "$PKI/web.yml"
	web_expect_error "cannot read the web configuration file" "$PKI/web.yml"
}

# ---- hostile clients (tests/integration/attack.py) ----

ATTACK="python3 tests/integration/attack.py"

# json_get FILE KEY: a field of attack.py's JSON report.
json_get() {
	python3 -c 'import json,sys; v=json.load(open(sys.argv[1])).get(sys.argv[2]); print("" if v is None else v)' "$1" "$2"
}

# awk_true EXPR: exit status 0 when the awk expression holds.
awk_true() { awk "BEGIN { exit !($1) }"; }

# 200 connections from eight loopback addresses, each sending one header
# line a second and never finishing its request: each is cut at the
# request deadline (3 s here), the cap per address and eviction keep
# room, and a scrape from another address is answered within 1 s
# throughout. Before, 128 such connections held every slot for as long
# as they trickled.
t_web_trickling_clients() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config "web = { request_timeout = 3; };"
	start_exporter || return 1
	wait_cycles 1 || return 1
	local port=${EXP_URL##*:}
	$ATTACK trickle 127.0.0.1 "$port" --count 200 --sources 127.0.0.2-9 --every 1 \
		--seconds 14 >"$T/trickle.json" 2>"$T/trickle.err" &
	local attacker=$!
	sleep 2 # the attack in full swing: more connections than slots
	$ATTACK probe "http://127.0.0.1:$port/metrics" --source 127.0.0.200 --every 0.2 \
		--seconds 10 --timeout 3 >"$T/probe.json" 2>"$T/probe.err"
	wait "$attacker"
	cat "$T/trickle.json" "$T/probe.json" >&2
	local answered failed max longest cut
	answered=$(json_get "$T/probe.json" answered)
	failed=$(json_get "$T/probe.json" failed)
	max=$(json_get "$T/probe.json" max)
	longest=$(json_get "$T/trickle.json" longest_trickle)
	cut=$(json_get "$T/trickle.json" cut)
	[ "$failed" = 0 ] || fail "$failed scrapes failed beside the trickling clients" || return 1
	[ "${answered:-0}" -ge 20 ] || fail "only $answered scrapes answered" || return 1
	awk_true "$max < 1.0" || fail "a scrape took $max s" || return 1
	[ "${cut:-0}" -ge 100 ] || fail "only $cut trickling connections cut" || return 1
	# the deadline counts the whole request: 3 s, the reaper's 0.1 s and
	# one trickle interval of slack
	awk_true "$longest < 5.5" || fail "a trickling connection lived $longest s" || return 1
	kill -0 "$EXP_PID" || fail "the exporter died"
}

# alice-pw at cost 12 (about 0.2 s of bcrypt), for the login flood
WEB_ALICE_HASH_12='$2b$12$jGH4tcGeJ9XS7i33YErNnOj0SksRePHA5gvFYfuaxn6VAlu9Npn6i'

# Six loops of wrong logins from eight addresses while a valid client,
# its login cached, scrapes over a kept-alive connection: its p99 stays
# under 50 ms, since bcrypt runs one at a time off the server's threads
# and failures are limited per address (429 with Retry-After). Before,
# every wrong login ran a bcrypt on one of the server's two threads, and
# the valid scrape waited behind them. A client logging in for the first
# time from another address meanwhile finds a place in line.
t_web_login_flood() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/pki" && PKI="$T/pki"
	write_web "basic_auth_users:
  alice: $WEB_ALICE_HASH_12
  bob: \$2b\$12\$.9kcAxR1nb75TGil2yzxMeQyNo4PLZHcnNSbcXIF74B77ortr6nOe
"
	start_exporter --web.config.file="$PKI/web.yml" || return 1
	wait_cycles 1 || return 1
	# the valid client logs in once: its login is cached from then on
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u alice:alice-pw "$EXP_URL/metrics")" = 200 ] ||
		fail "the valid login failed" || return 1
	$ATTACK logins "$EXP_URL/metrics" --parallel 6 --sources 127.0.0.2-9 --seconds 12 \
		>"$T/logins.json" 2>"$T/logins.err" &
	local flood=$!
	sleep 1
	$ATTACK probe "$EXP_URL/metrics" --keepalive --user alice --password alice-pw \
		--every 0.05 --seconds 8 --timeout 5 >"$T/probe.json" 2>"$T/probe.err"
	# a client logging in for the first time, from an address of its own,
	# waits its turn in line behind the flood's logins, and gets in
	local first
	first=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 \
		--interface 127.0.0.50 -u bob:bob-pw "$EXP_URL/metrics")
	wait "$flood"
	cat "$T/logins.json" "$T/probe.json" >&2
	echo "first login during the flood: $first" >&2
	[ "${first% *}" = 200 ] || fail "a first login during the flood: $first" || return 1
	awk_true "${first#* } < 5" || fail "a first login during the flood took ${first#* } s" || return 1
	local answered failed p99
	answered=$(json_get "$T/probe.json" answered)
	failed=$(json_get "$T/probe.json" failed)
	p99=$(json_get "$T/probe.json" p99)
	[ "$failed" = 0 ] || fail "$failed valid scrapes failed during the flood" || return 1
	[ "${answered:-0}" -ge 50 ] || fail "only $answered valid scrapes answered" || return 1
	awk_true "$p99 < 0.05" || fail "p99 of the valid scrapes: $p99 s" || return 1
	# the flood was answered 401 or 429, with Retry-After, never let in
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); sys.exit(not (c.get("401",0) > 0 and set(c) <= {"401","429"}))' \
		"$T/logins.json" || fail "flood statuses: $(cat "$T/logins.json")" || return 1
	kill -0 "$EXP_PID" || fail "the exporter died"
}

# bcrypt reads 72 bytes of a password: a longer one is refused, rather
# than let in on its first 72.
t_web_long_password() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/pki" && PKI="$T/pki"
	# the hash of 'A' x 72, cost 04
	write_web "basic_auth_users:
  long: \$2b\$04\$ZN8VYVF8VbZxnWrbCImxDu.2bdlIsyKHQpi.RLAAn2CJRYsKLo8vC
"
	start_exporter --web.config.file="$PKI/web.yml" || return 1
	local a72
	a72=$(printf 'A%.0s' $(seq 72))
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "long:$a72" "$EXP_URL/-/healthy")" = 200 ] ||
		fail "72 bytes refused" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "long:${a72}B" "$EXP_URL/-/healthy")" = 401 ] ||
		fail "73 bytes with the first 72 right let in" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' -u "long:${a72}${a72}" "$EXP_URL/-/healthy")" = 401 ] ||
		fail "144 bytes let in"
}

# The key's PEM text is wiped once the server has loaded it: no line of
# its body is left anywhere in the process's memory.
t_web_key_wiped() {
	web_pki || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	write_web "$web_tls_block"
	start_exporter_https || return 1
	wait_cycles 1 || return 1
	[ "$(wcurl "$EXP_URL/-/healthy")" = 200 ] || fail "HTTPS failed" || return 1
	local out rc
	out=$(python3 tests/integration/memscan.py "$EXP_PID" "$PKI/server.key")
	rc=$?
	[ $rc = 0 ] || fail "memscan ($rc): $out"
}

# ssl_try PORT ARGS...: prints the cipher openssl s_client negotiated,
# or NONE when the handshake failed.
ssl_try() {
	local port=$1 out
	shift
	out=$(timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost "$@" \
		</dev/null 2>&1)
	printf '%s\n' "$out" | sed -n 's/^ *Cipher *: *\([A-Z0-9_-]*\)$/\1/p; s/^New, [^,]*, Cipher is \([A-Z0-9_-]*\)$/\1/p' |
		grep -v '^0000$\|^(NONE)$' | head -n1 | grep . || echo NONE
}

# expect_cipher PORT WANT ARGS...: WANT is the suite, or NONE.
expect_cipher() {
	local port=$1 want=$2 got
	shift 2
	got=$(ssl_try "$port" "$@")
	[ "$got" = "$want" ] || fail "openssl s_client $*: got $got, want $want"
}

# With an RSA certificate: by default ECDHE with AEAD ciphers only for
# TLS 1.2 (no static RSA key exchange, no CBC), all of TLS 1.3; then
# cipher_suites, curve_preferences and prefer_server_cipher_suites as
# exporter-toolkit takes them. @SECLEVEL=0 makes the client offer what it
# is asked to, so that any refusal is the server's.
t_web_cipher_policy() {
	web_pki || return 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/rsa.key" -out "$PKI/rsa.crt" -days 2 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 >>"$T/openssl.log" 2>&1 ||
		fail "openssl: RSA certificate" || return 1
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	local rsa='tls_server_config:
  cert_file: rsa.crt
  key_file: rsa.key
' port c
	write_web "$rsa"
	start_exporter_https || return 1
	port=${EXP_URL##*:}
	for c in AES128-SHA AES256-SHA AES128-GCM-SHA256 AES256-GCM-SHA384 AES128-SHA256 \
		ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA ECDHE-RSA-AES128-SHA256 DES-CBC3-SHA; do
		expect_cipher "$port" NONE -tls1_2 -cipher "$c:@SECLEVEL=0" || return 1
	done
	for c in ECDHE-RSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384 ECDHE-RSA-CHACHA20-POLY1305; do
		expect_cipher "$port" "$c" -tls1_2 -cipher "$c:@SECLEVEL=0" || return 1
	done
	for c in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
		expect_cipher "$port" "$c" -tls1_3 -ciphersuites "$c" || return 1
	done
	# the server's order by default (prefer_server_cipher_suites: true)
	expect_cipher "$port" ECDHE-RSA-AES128-GCM-SHA256 -tls1_2 \
		-cipher 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256' || return 1
	stop_all

	write_web "$rsa  max_version: TLS12
  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_RSA_WITH_AES_256_GCM_SHA384]
  curve_preferences: [CurveP384]
  prefer_server_cipher_suites: false
"
	start_fake "$SCENARIOS/basic.json" || return 1
	start_exporter_https || return 1
	port=${EXP_URL##*:}
	expect_cipher "$port" ECDHE-RSA-AES256-GCM-SHA384 -cipher 'ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0' || return 1
	expect_cipher "$port" AES256-GCM-SHA384 -cipher 'AES256-GCM-SHA384:@SECLEVEL=0' || return 1
	expect_cipher "$port" NONE -cipher 'ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' || return 1
	expect_cipher "$port" NONE -cipher 'ECDHE-RSA-CHACHA20-POLY1305:@SECLEVEL=0' || return 1
	expect_cipher "$port" NONE -tls1_3 || return 1
	# the curves: P-384 only
	expect_cipher "$port" NONE -cipher 'ECDHE-RSA-AES256-GCM-SHA384' -curves X25519 || return 1
	expect_cipher "$port" ECDHE-RSA-AES256-GCM-SHA384 -cipher 'ECDHE-RSA-AES256-GCM-SHA384' \
		-curves P-384 || return 1
	# the client's order now
	expect_cipher "$port" AES256-GCM-SHA384 \
		-cipher 'AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0' || return 1
	# plain HTTPS keeps working for curl
	[ "$(curl -sk -o /dev/null -w '%{http_code}' "$EXP_URL/-/healthy")" = 200 ] || fail "curl over the chosen suites"
}

# SIGTERM while a login is checked (cost 14, about a second) and four wait
# in line: the check finishes, those in line fail without a bcrypt, every
# suspended connection is resumed, and the exporter exits 0 without
# libmicrohttpd's "suspended connections" panic.
t_web_stop_during_login() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/pki" && PKI="$T/pki"
	write_web "basic_auth_users:
  alice: \$2b\$14\$Bz.A8mVm5Ag1vibGT.4NYuEqqr6RfAYo3B3fp46PNco3mhUflDRcq
"
	start_exporter --web.config.file="$PKI/web.yml" || return 1
	local clients=() i rc t0 t1
	# one login being checked, and others in line behind it
	for i in 2 3 4 5 6; do
		curl -s -o /dev/null --max-time 10 --interface "127.0.0.$i" -u alice:wrong "$EXP_URL/metrics" &
		clients+=($!)
	done
	sleep 0.3 # the first bcrypt is running now
	t0=$(date +%s%N)
	kill -TERM "$EXP_PID"
	wait "$EXP_PID"
	rc=$?
	t1=$(date +%s%N)
	EXP_PID=
	wait "${clients[@]}"
	[ $rc = 0 ] || fail "exit status $rc after SIGTERM: $(tail -3 "$EXP_LOG")" || return 1
	if grep -q 'libmicrohttpd failed' "$EXP_LOG"; then fail "panic: $(grep 'libmicrohttpd failed' "$EXP_LOG")"; return 1; fi
	# the one bcrypt being run, not the four in line (about 4 s more)
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "took $(((t1 - t0) / 1000000)) ms to stop"
}

# An address that keeps failing is told to wait: 20 failed logins in a
# burst are answered 401, the next 429 with Retry-After, without a
# bcrypt; another address still gets its 401s, and the right password
# from it gets in.
t_web_failed_logins_limited() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/pki" && PKI="$T/pki"
	write_web "basic_auth_users:
  alice: $WEB_ALICE_HASH
"
	start_exporter --web.config.file="$PKI/web.yml" || return 1
	local i codes="" h
	# one more failure a second is earned back: on a slow machine the
	# 429 may come a few requests after the 20th
	for i in $(seq 30); do
		codes="$codes $(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.60 -u "alice:wrong$i" "$EXP_URL/-/healthy")"
	done
	case $codes in
	"$(printf ' 401%.0s' $(seq 20))"*429*) ;;
	*) fail "codes: $codes"; return 1 ;;
	esac
	h=$(curl -s -D - -o /dev/null --interface 127.0.0.60 -u alice:wrong "$EXP_URL/-/healthy")
	printf '%s' "$h" | grep -qi '^Retry-After: [1-9]' || fail "no Retry-After: $h" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.61 -u alice:wrong "$EXP_URL/-/healthy")" = 401 ] ||
		fail "another address was held back" || return 1
	[ "$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.61 -u alice:alice-pw "$EXP_URL/-/healthy")" = 200 ] ||
		fail "the right password from another address"
}
