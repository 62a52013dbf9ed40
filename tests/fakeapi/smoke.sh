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

# ---- chaos ----
chaos() { # FILE CHAOS_OBJECT [FAULTS]: two clusters, the given chaos
	cat >"$1" <<EOF
{
  "token": "test-token",
  "clusters": [
    {"cluster_file": "$FIX/clusters/current.json"},
    {"cluster_file": "$FIX/clusters/patch.json"}
  ],
  "faults": ${3:-[]},
  "chaos": $2
}
EOF
}
chaos_count() { # MODE: faults of that mode served so far ("total": all)
	curl -s "http://127.0.0.1:$PORT/__fake/chaos" |
		awk -v m="$1" '$1 == m { print $2 }'
}
ERRLEN=$(printf '%s' \
	'{"id":"server_error","message":"Unexpected server-side error"}' |
	wc -c | tr -d ' ')
# probability 1 and one mode: that fault every time
for mode in status never stall_body reset truncate html oversize delay; do
	chaos "$TMP/chaos.json" "{\"probability\": 1, \"seed\": 3,
	  \"modes\": [\"$mode\"], \"status_codes\": [503], \"delay_ms\": 200,
	  \"oversize_size\": 5000}"
	start "$TMP/chaos.json"
	for i in 1 2 3; do
		rc=0
		: >"$TMP/body"
		out=$(curl -s -m 0.6 -o "$TMP/body" \
			-w '%{http_code} %{content_type} %{time_total}' \
			-H "$TOK" "$B/clusters/$PATCH/upgrades") || rc=$?
		size=$(wc -c <"$TMP/body" | tr -d ' ')
		http=${out%% *}
		case $mode in
		status) want="0 503 $ERRLEN"; got="$rc $http $size" ;;
		never) want="28 000 0"; got="$rc $http $size" ;;
		stall_body) want="28 200 10"; got="$rc $http $size" ;;
		reset) want="18 200"; got="$rc $http" ;;
		truncate) want="0 200 broken"
			got="$rc $http $(python3 -c '
import json,sys; json.load(open(sys.argv[1]))' "$TMP/body" 2>/dev/null &&
				echo parsed || echo broken)" ;;
		html) want="0 502 text/html"
			got="$rc $(echo "$out" | cut -d' ' -f1,2)" ;;
		oversize) want="0 200 5000"; got="$rc $http $size" ;;
		delay) want="0 200 True True"
			got="$rc $http $(python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))
print("available_upgrade_versions" in d, float(sys.argv[2]) >= 0.19)' \
				"$TMP/body" "${out##* }")" ;;
		esac
		[ "$got" = "$want" ] ||
			fail "chaos $mode #$i: got '$got', want '$want'"
	done
	expect "chaos $mode: 3 of 3, counted" \
		"$(chaos_count "$mode") $(chaos_count total)" "3 3"
	stop
done

# probability 0: never; the control path is not logged
chaos "$TMP/chaos.json" '{"probability": 0, "seed": 1}'
start "$TMP/chaos.json"
codes=
for i in 1 2 3 4 5 6 7 8 9 10; do
	codes="$codes$(code -H "$TOK" "$B/clusters/$CURRENT") "
done
expect "chaos probability 0" "$codes$(chaos_count total)" \
	"200 200 200 200 200 200 200 200 200 200 0"
expect "chaos control path" "$(curl -s "http://127.0.0.1:$PORT/__fake/chaos" |
	awk '{ print $1 }' | tr '\n' ,)" \
	"status,never,stall_body,reset,truncate,html,oversize,delay,total,"
expect "chaos control path not logged" \
	"$(curl -s "http://127.0.0.1:$PORT/__fake/requests")" 10
stop

# explicit faults first; a 429 has retry-after: 1 half of the time
chaos "$TMP/chaos.json" '{"probability": 1, "seed": 9, "modes": ["status"],
  "status_codes": [429]}' '[{"route": "options", "status": 418}]'
start "$TMP/chaos.json"
expect "chaos: explicit fault first" \
	"$(code -H "$TOK" "$B/options") $(code -H "$TOK" "$B/clusters")" "418 429"
ra=$(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	curl -s -D - -o /dev/null -H "$TOK" "$B/clusters" | tr -d '\r' |
		grep -ci '^retry-after: 1$' || true
done | sort -u | tr '\n' ,)
expect "chaos 429: retry-after on some only" "$ra" "0,1,"
expect "chaos: explicit faults not counted" "$(chaos_count status)" 21
stop

# the same seed draws the same faults
draws() {
	chaos "$TMP/chaos.json" '{"probability": 0.5, "seed": 42,
	  "modes": ["status", "html", "truncate"], "status_codes": [500, 503]}'
	start "$TMP/chaos.json"
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do
		curl -s -o /dev/null -w '%{http_code}:%{size_download} ' \
			-H "$TOK" "$B/options"
	done
	stop
}
first=$(draws)
expect "chaos: same seed, same faults" "$(draws)" "$first"
case $first in *200:*) ;; *) fail "chaos 0.5 spared nothing: $first" ;; esac
case $first in *50[023]:*) ;; *) fail "chaos 0.5 did nothing: $first" ;; esac
chaos "$TMP/chaos.json" '{"probability": 1, "modes": ["boom"]}'
rc=0; "$BIN" --scenario "$TMP/chaos.json" 2>"$TMP/err.bad" || rc=$?
expect "chaos: unknown mode refused" \
	"$rc $(grep -c 'unknown mode "boom"' "$TMP/err.bad")" "1 1"
# ---- upgrade readiness: clusterlint, status messages, associated
# resources, node pools ----
start "$FIX/scenarios/readiness.json"
LOG0=$(wc -l <"$TMP/log" | tr -d ' ')
expect "never linted: 404 not_found" "$(curl -s -w ' %{http_code}' -H "$TOK" \
	"$B/clusters/$CURRENT/clusterlint" | python3 -c '
import json,sys; b, c = sys.stdin.read().rsplit(" ", 1)
print(json.loads(b)["id"], c)')" "not_found 404"
expect "clusterlint: every severity" "$(curl -s -H "$TOK" \
	"$B/clusters/$PATCH/clusterlint" | python3 -c '
import json,sys; d=json.load(sys.stdin)
print(d["run_id"], d["completed_at"], ",".join(x["severity"] for x in d["diagnostics"]),
      sorted(d["diagnostics"][0]["object"]))')" \
	"7f0e1c52-3b8a-4d7e-9a61-2c5d8e4f1a93 2026-03-08T04:00:11Z error,warning,suggestion ['kind', 'name', 'namespace']"
expect "clusterlint: run_id of the latest run" "$(code -H "$TOK" \
	"$B/clusters/$PATCH/clusterlint?run_id=7f0e1c52-3b8a-4d7e-9a61-2c5d8e4f1a93")" 200
expect "clusterlint: another run_id" "$(code -H "$TOK" \
	"$B/clusters/$PATCH/clusterlint?run_id=50c2f44c-011d-493e-aee5-361a4a0d1844")" 404
expect "clusterlint: empty run" "$(curl -s -H "$TOK" \
	"$B/clusters/$SEVERAL/clusterlint" | python3 -c '
import json,sys; d=json.load(sys.stdin); print(d["diagnostics"], d["completed_at"])')" \
	"[] 2026-03-01T04:00:07Z"
expect "clusterlint: counts" "$(curl -s -H "$TOK" \
	"$B/clusters/$FLAKY/clusterlint" | python3 -c '
import collections,json,sys; d=json.load(sys.stdin)
c=collections.Counter(x["severity"] for x in d["diagnostics"])
print(sorted(c.items()), all(x["check_name"] and x["message"] and x["object"]["name"] for x in d["diagnostics"]))')" \
	"[('error', 2), ('suggestion', 1), ('warning', 3)] True"
expect "clusterlint: unknown cluster" "$(code -H "$TOK" "$B/clusters/nope/clusterlint")" 404
msgs() { # CLUSTER [QUERY]: timestamps served, comma-separated
	curl -s -H "$TOK" "$B/clusters/$1/status_messages${2:-}" | python3 -c '
import json,sys; print(",".join(m["timestamp"] for m in json.load(sys.stdin)["messages"]))'
}
expect "status messages: oldest first" "$(msgs "$SEVERAL")" \
	"2026-03-02T09:14:03Z,2026-03-02T10:05:41Z,2026-03-02T11:05:41.532Z,2026-03-03T08:00:00Z"
expect "status messages: since, strictly after" \
	"$(msgs "$SEVERAL" '?since=2026-03-02T10:05:41Z')" \
	"2026-03-02T11:05:41.532Z,2026-03-03T08:00:00Z"
expect "status messages: since with an offset and milliseconds" \
	"$(msgs "$SEVERAL" '?since=2026-03-02T12:05:41.532%2B01:00')" \
	"2026-03-03T08:00:00Z"
expect "status messages: since after all" \
	"$(msgs "$SEVERAL" '?since=2026-03-03T08:00:00Z')" ""
expect "status messages: none" "$(curl -s -H "$TOK" \
	"$B/clusters/$PATCH/status_messages")" '{"messages":[]}'
expect "status messages: default none" "$(curl -s -H "$TOK" \
	"$B/clusters/$CURRENT/status_messages?since=2026-01-01T00:00:00Z")" \
	'{"messages":[]}'
expect "status messages: bad since" "$(code -H "$TOK" \
	"$B/clusters/$SEVERAL/status_messages?since=yesterday")" 422
expect "status messages: unencoded +" "$(code -H "$TOK" \
	"$B/clusters/$SEVERAL/status_messages?since=2026-03-02T12:05:41+01:00")" 422
res() { # CLUSTER: load balancers, volumes, snapshots
	curl -s -H "$TOK" "$B/clusters/$1/destroy_with_associated_resources" |
		python3 -c '
import json,sys; d=json.load(sys.stdin)
k=("load_balancers","volumes","volume_snapshots")
assert all(set(r) == {"id","name"} for x in k for r in d[x])
print(*(len(d[x]) for x in k))'
}
expect "associated resources: counts" "$(res "$FLAKY")" "2 1 3"
expect "associated resources: godo shape" "$(res "$PATCH")" "1 1 1"
expect "associated resources: default none" "$(res "$CURRENT")" "0 0 0"
expect "associated resources: distinct ids" "$(curl -s -H "$TOK" \
	"$B/clusters/$FLAKY/destroy_with_associated_resources" | python3 -c '
import json,sys; d=json.load(sys.stdin)
ids=[r["id"] for k in d for r in d[k]]; print(len(ids), len(set(ids)))')" "6 6"
expect "node pools: the cluster's" "$(curl -s -H "$TOK" \
	"$B/clusters/$SEVERAL/node_pools" >"$TMP/pools"
	curl -s -H "$TOK" "$B/clusters/$SEVERAL" | python3 -c '
import json,sys
c=json.load(sys.stdin)["kubernetes_cluster"]["node_pools"]
p=json.load(open(sys.argv[1]))["node_pools"]
print(len(p) > 0 and p == c)' "$TMP/pools")" True
expect "POST clusterlint refused" "$(curl -s -D - -o "$TMP/body" -X POST \
	-H "$TOK" -H 'Content-Type: application/json' -d '{}' \
	"$B/clusters/$PATCH/clusterlint" | tr -d '\r' |
	grep -iE '^(HTTP/|allow:)' | tr '\n' ,)" "HTTP/1.1 405 Method Not Allowed,Allow: GET,"
expect "POST clusterlint: an error body" "$(python3 -c '
import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$TMP/body")" \
	method_not_allowed
expect "POST clusterlint logged" "$(grep -c "^POST	/v2/kubernetes/clusters/$PATCH/clusterlint	-	ok	" "$TMP/log")" 1
expect "readiness: only that one non-GET logged" \
	"$(tail -n +$((LOG0 + 1)) "$TMP/log" | awk -F'\t' '$1 != "GET"' |
	wc -l | tr -d ' ')" 1
stop

# faults on the new routes, then a reload that changes the new keys
python3 - "$FIX/scenarios/readiness.json" "$TMP/ready.json" "$PATCH" <<'PY'
import json, os, sys
src, dst, patch = sys.argv[1:4]
d = json.load(open(src))
base = os.path.dirname(src)
def fix(o):
    for k, v in list(o.items()):
        if k.endswith("_file"):
            o[k] = os.path.join(base, v)
fix(d)
for c in d["clusters"]:
    fix(c)
d["faults"] = [
    {"route": "clusterlint", "cluster_id": patch, "status": 500},
    {"route": "status_messages", "mode": "truncate"},
    {"route": "associated_resources", "times": 1, "status": 429,
     "headers": {"retry-after": "3"}},
    {"route": "destroy_with_associated_resources", "delay_ms": 300},
    {"route": "node_pools", "mode": "html", "times": 1},
]
json.dump(d, open(dst, "w"))
d["faults"] = []
d["status_messages_since"] = "at_or_after"
d["clusters"][0]["clusterlint"] = {"run_id": "r-1", "diagnostics": []}
json.dump(d, open(dst + ".next", "w"))
PY
start "$TMP/ready.json"
expect "fault: clusterlint of one cluster" \
	"$(code -H "$TOK" "$B/clusters/$PATCH/clusterlint") $(code -H "$TOK" \
	"$B/clusters/$SEVERAL/clusterlint")" "500 200"
expect "fault: status messages truncated" "$(curl -s -H "$TOK" \
	"$B/clusters/$SEVERAL/status_messages" | python3 -c '
import json,sys; json.load(sys.stdin)' 2>/dev/null && echo parsed || echo broken)" broken
expect "fault: associated resources 429 once" "$(curl -s -D - -o /dev/null \
	-H "$TOK" "$B/clusters/$FLAKY/destroy_with_associated_resources" |
	tr -d '\r' | grep -iE '^(HTTP/|retry-after:)' | cut -d' ' -f1,2 |
	tr '\n' ,)" "HTTP/1.1 429,retry-after: 3,"
expect "fault: associated resources delayed" "$(curl -s -o /dev/null \
	-w '%{http_code} %{time_total}' -H "$TOK" \
	"$B/clusters/$FLAKY/destroy_with_associated_resources" | python3 -c '
import sys; c, t = sys.stdin.read().split(); print(c, float(t) >= 0.25)')" "200 True"
expect "fault: node pools html, then normal" "$(curl -s -o /dev/null \
	-w '%{http_code} %{content_type}' -H "$TOK" "$B/clusters/$FLAKY/node_pools"),$(code \
	-H "$TOK" "$B/clusters/$FLAKY/node_pools")" "502 text/html,200"
mv "$TMP/ready.json.next" "$TMP/ready.json"
kill -HUP "$PID"
i=0
while [ "$(curl -s "http://127.0.0.1:$PORT/__fake/generation")" != 2 ]; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "no reload"; sleep 0.02
done
expect "reload: faults gone" "$(code -H "$TOK" "$B/clusters/$PATCH/clusterlint")" 200
expect "reload: since at or after" \
	"$(msgs "$SEVERAL" '?since=2026-03-02T11:05:41.532Z')" \
	"2026-03-02T11:05:41.532Z,2026-03-03T08:00:00Z"
expect "reload: once never linted, now linted" "$(curl -s -H "$TOK" \
	"$B/clusters/$CURRENT/clusterlint")" '{"run_id":"r-1","diagnostics":[]}'
stop
printf '{"token": "t", "clusters": [{"cluster": {"id": "x"},
  "status_messages": {"messages": [{"message": "m", "timestamp": "2026-02-30T00:00:00Z"}]}}]}' \
	>"$TMP/badtime.json"
rc=0; "$BIN" --scenario "$TMP/badtime.json" 2>"$TMP/err.bad" || rc=$?
expect "status messages: bad timestamp refused" \
	"$rc $(grep -c 'status message 0 needs an RFC 3339' "$TMP/err.bad")" "1 1"
echo "all passed"
