#!/bin/sh
# smoke.sh: checks the fake API itself, with curl, end to end.
#   tests/fakeapi/smoke.sh /path/to/fakeapi
# Run from anywhere; needs curl and python3. Exits non-zero on the first
# failure. Leaves nothing behind (a temporary directory is removed).
set -eu

BIN=${1:?usage: smoke.sh /path/to/fakeapi}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$(cd "$HERE/../fixtures" && pwd)
TMP=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

fail() { echo "FAIL: $*" >&2; [ -f "$TMP/err" ] && cat "$TMP/err" >&2; exit 1; }
ok() { echo "ok   $*"; }

TOK='Authorization: Bearer test-token'
CURRENT=5d3c8f0e-6a21-4c79-b1f4-0e9a7d2c4b18
PATCH=9b47e2a1-3c58-4f0d-8e6a-c2d19f7b5a30
SEVERAL=c83d0f5a-1e92-4b67-a0c4-6f2e8d9b1a75
FLAKY=e6f1a9c3-4b7d-4e28-9a05-d3b8c2e7f416

start() { # scenario
	rm -f "$TMP/port"
	"$BIN" --scenario "$1" --port-file "$TMP/port" --log "$TMP/log" \
		2>"$TMP/err" &
	PID=$!
	i=0
	while [ ! -s "$TMP/port" ]; do
		i=$((i + 1))
		[ $i -gt 250 ] && fail "no port file"
		kill -0 "$PID" 2>/dev/null || fail "fakeapi died"
		sleep 0.02
	done
	PORT=$(cat "$TMP/port")
	B=http://127.0.0.1:$PORT/v2/kubernetes
}

stop() { # expects a clean exit 0
	kill -TERM "$PID"
	rc=0
	wait "$PID" || rc=$?
	PID=
	[ $rc -eq 0 ] || fail "exit status $rc"
	if grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$TMP/err"
	then
		fail "sanitizer report"
	fi
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

expect() { # what got want
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	ok "$1"
}

# ---- demo: routes, auth, errors, log ----
start "$FIX/scenarios/demo.json"
grep -q "fakeapi listening on http://127.0.0.1:$PORT" "$TMP/err" ||
	fail "listening line"
expect "list" "$(curl -s -H "$TOK" "$B/clusters" | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(len(d["kubernetes_clusters"]), "links" in d, d["meta"]["total"])')" \
	"4 False 4"
expect "cluster" "$(curl -s -H "$TOK" "$B/clusters/$PATCH" | python3 -c '
import json,sys; print(json.load(sys.stdin)["kubernetes_cluster"]["name"])')" \
	"staging-api"
expect "upgrades" "$(curl -s -H "$TOK" "$B/clusters/$SEVERAL/upgrades" |
	python3 -c '
import json,sys
print(len(json.load(sys.stdin)["available_upgrade_versions"]))')" "3"
expect "flaky upgrades 500" "$(code -H "$TOK" "$B/clusters/$FLAKY/upgrades")" 500
expect "credentials" "$(code -H "$TOK" \
	"$B/clusters/$CURRENT/credentials?expiry_seconds=300")" 200
expect "options" "$(code -H "$TOK" "$B/options")" 200
expect "unknown cluster" "$(code -H "$TOK" "$B/clusters/nope/upgrades")" 404
expect "unknown path" "$(code -H "$TOK" "$B/nodes")" 404
expect "no token" "$(code "$B/clusters")" 401
expect "bad token" "$(code -H 'Authorization: Bearer nope' "$B/clusters")" 401
expect "DELETE" "$(code -X DELETE -H "$TOK" "$B/clusters/$CURRENT")" 405
expect "content type" "$(curl -s -o /dev/null -w '%{content_type}' \
	"$B/clusters")" "application/json; charset=utf-8"
expect "ratelimit headers" "$(curl -s -D - -o /dev/null -H "$TOK" \
	"$B/options" | grep -ci '^ratelimit-')" 3
expect "requests counter" "$(curl -s "http://127.0.0.1:$PORT/__fake/requests")" 13
expect "log lines" "$(wc -l <"$TMP/log" | tr -d ' ')" 13
expect "log credentials line" "$(grep -c "^GET	/v2/kubernetes/clusters/$CURRENT/credentials	expiry_seconds=300	ok	curl/" "$TMP/log")" 1
expect "log DELETE line" "$(grep -c "^DELETE	/v2/kubernetes/clusters/$CURRENT	-	ok	" "$TMP/log")" 1
expect "log auth states" "$(cut -f4 "$TMP/log" | sort | uniq -c | tr -s ' ' | tr '\n' ,)" \
	" 1 bad, 2 missing, 10 ok,"
grep -q test-token "$TMP/log" && fail "token in log"
stop

# ---- paging ----
start "$FIX/scenarios/paged.json"
n=0
url="$B/clusters?per_page=200"
while [ -n "$url" ]; do
	n=$((n + 1))
	url=$(curl -s -H "$TOK" "$url" | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(d.get("links",{}).get("pages",{}).get("next",""))')
	[ $n -gt 10 ] && fail "paging does not end"
done
expect "paged: 3 pages" "$n" 3
expect "paged: page 3 size" "$(curl -s -H "$TOK" "$B/clusters?page=3&per_page=200" |
	python3 -c '
import json,sys; d=json.load(sys.stdin)
print(len(d["kubernetes_clusters"]), sorted(d["links"]["pages"]))')" \
	"50 ['first', 'prev']"
expect "generated id" "$(curl -s -H "$TOK" \
	"$B/clusters/00000000-0000-4000-8000-000000000002/upgrades" | python3 -c '
import json,sys
print([u["slug"] for u in json.load(sys.stdin)["available_upgrade_versions"]])')" \
	"['1.29.2-do.0', '1.30.1-do.0']"
stop

start "$FIX/scenarios/loop.json"
expect "loop" "$(curl -s -H "$TOK" "$B/clusters?page=2&per_page=200" |
	python3 -c '
import json,sys; print(json.load(sys.stdin)["links"]["pages"]["next"])')" \
	"http://127.0.0.1:$PORT/v2/kubernetes/clusters?page=1&per_page=200"
stop

start "$FIX/scenarios/foreign.json"
expect "foreign" "$(curl -s -H "$TOK" "$B/clusters?per_page=200" |
	python3 -c '
import json,sys; print(json.load(sys.stdin)["links"]["pages"]["next"])')" \
	"https://evil.example/v2/kubernetes/clusters?page=2"
stop

# ---- faults ----
cat >"$TMP/faults.json" <<EOF
{
  "token": "test-token",
  "ratelimit": {"limit": 100, "remaining": 2, "reset": 1700000000},
  "clusters": [
    {"cluster_file": "$FIX/clusters/current.json"},
    {"cluster_file": "$FIX/clusters/patch.json"}
  ],
  "faults": [
    {"route": "cluster", "cluster_id": "$CURRENT", "mode": "never"},
    {"route": "cluster", "cluster_id": "$PATCH", "mode": "stall_body"},
    {"route": "upgrades", "cluster_id": "$CURRENT", "mode": "reset"},
    {"route": "upgrades", "cluster_id": "$PATCH", "mode": "truncate"},
    {"route": "options", "mode": "html", "times": 1},
    {"route": "options", "status": 429, "times": 1,
     "headers": {"retry-after": "2", "ratelimit-remaining": "0"}},
    {"route": "clusters", "page": 2, "mode": "oversize", "size": 3000000,
     "chunked": true},
    {"route": "clusters", "page": 3, "mode": "oversize", "size": 3000000},
    {"route": "credentials", "delay_ms": 300, "body": "not json"}
  ]
}
EOF
start "$TMP/faults.json"
expect "never" "$(code -m 0.5 -H "$TOK" "$B/clusters/$CURRENT" || true)" 000
rc=0; curl -s -m 0.5 -o "$TMP/body" -H "$TOK" "$B/clusters/$PATCH" || rc=$?
expect "stall_body times out" "$rc" 28
expect "stall_body bytes" "$(wc -c <"$TMP/body" | tr -d ' ')" 10
rc=0; curl -s -o /dev/null -H "$TOK" "$B/clusters/$CURRENT/upgrades" || rc=$?
expect "reset" "$rc" 18
expect "truncate" "$(curl -s -H "$TOK" "$B/clusters/$PATCH/upgrades" |
	python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null &&
	echo parsed || echo broken)" broken
expect "html" "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' \
	-H "$TOK" "$B/options")" "502 text/html"
expect "429 + headers" "$(curl -s -D - -o /dev/null -H "$TOK" "$B/options" |
	grep -iE '^(retry-after|ratelimit-remaining):' | tr -d '\r' | sort |
	tr '\n' ,)" "ratelimit-remaining: 0,retry-after: 2,"
expect "times spent" "$(code -H "$TOK" "$B/options")" 200
expect "oversize chunked" "$(curl -s -H "$TOK" "$B/clusters?page=2&per_page=1" |
	wc -c | tr -d ' ')" 3000000
expect "oversize length" "$(curl -s -D - -o /dev/null -H "$TOK" \
	"$B/clusters?page=3&per_page=1" | grep -i '^content-length' |
	tr -d '\r')" "Content-Length: 3000000"
expect "delay + body" "$(curl -s -w ' %{time_total}' -H "$TOK" \
	"$B/clusters/$PATCH/credentials" | python3 -c '
import sys; b, t = sys.stdin.read().rsplit(" ", 1); print(b, float(t) >= 0.25)')" \
	"not json True"
expect "ratelimit floor" "$(curl -s -D - -o /dev/null -H "$TOK" "$B/options" |
	grep -i '^ratelimit-remaining' | tr -d '\r')" "ratelimit-remaining: 0"

# ---- reload ----
cp "$TMP/faults.json" "$TMP/faults.bak"
sed 's/"test-token"/"other-token"/' "$TMP/faults.bak" >"$TMP/faults.json"
kill -HUP "$PID"
i=0
while [ "$(curl -s "http://127.0.0.1:$PORT/__fake/generation")" != 2 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no reload"; sleep 0.02
done
expect "reload: new token" "$(code -H 'Authorization: Bearer other-token' \
	"$B/clusters/$PATCH/upgrades")" 200
echo '{"token": ' >"$TMP/faults.json"
kill -HUP "$PID"
i=0
until grep -q 'reload failed' "$TMP/err"; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "bad reload not reported"; sleep 0.02
done
expect "bad reload keeps generation" \
	"$(curl -s "http://127.0.0.1:$PORT/__fake/generation")" 2

# ---- quick stop while answers hang ----
curl -s -o /dev/null -H 'Authorization: Bearer other-token' \
	"$B/clusters/$CURRENT" &
curl -s -o /dev/null -H 'Authorization: Bearer other-token' \
	"$B/clusters/$PATCH" &
sleep 0.3
t0=$(date +%s%N)
stop
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ $ms -lt 1000 ] || fail "stop took $ms ms"
ok "stop with hanging requests: $ms ms"
wait
echo "all passed"
