# Secrets in memory: what a core dump, /proc/PID/environ or
# /proc/PID/mem of a running exporter would show. Sourced by run.sh.

# A distinctive token, and credentials with a distinctive secret.
secret_scenario() {
	cat >"$1" <<JSON
{
  "token": "$2",
  "clusters": [
    { "cluster_file": "../clusters/patch.json",
      "upgrades_file": "../upgrades/patch.json",
      "credentials": {
        "server": "https://example.k8s.ondigitalocean.com",
        "certificate_authority_data": "Q0EtU0VDUkVULUJPRFktZG8tbm90LWxlYWs=",
        "token": "cluster-token-SECRET-5e2b",
        "expires_at": "2030-01-01T00:00:00.123Z" } },
    { "cluster_file": "../clusters/several.json", "upgrades_file": "../upgrades/several.json" },
    { "cluster_file": "../clusters/current.json", "upgrades_file": "../upgrades/null.json" }
  ]
}
JSON
}

# count_in_memory PID NEEDLE: how many times NEEDLE is in the readable
# memory of PID (/proc/PID/mem: the same user with the process dumpable,
# or root). Prints "unreadable" when it may not be read. Mappings of 1 GiB
# and more are skipped: the exporter has none, AddressSanitizer's shadow
# is one (reserved, never written with anything but shadow bytes).
count_in_memory() {
	python3 - "$1" "$2" <<'PY'
import sys
pid, needle = sys.argv[1], sys.argv[2].encode()
count = 0
chunk = 1 << 20
try:
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            f = line.split()
            lo, hi = (int(x, 16) for x in f[0].split("-"))
            if "r" not in f[1] or hi - lo >= 1 << 30 or \
                    (len(f) > 5 and f[5] in ("[vvar]", "[vvar_vclock]", "[vsyscall]")):
                continue
            tail = b""
            at = lo
            while at < hi:
                try:
                    mem.seek(at)
                    data = tail + mem.read(min(chunk, hi - at))
                except OSError:
                    break
                count += data.count(needle)
                # too short to hold a match, so none is counted twice;
                # one across two chunks is found with the next
                tail = data[-(len(needle) - 1):]
                at += chunk
except PermissionError:
    print("unreadable")
    sys.exit(0)
print(count)
PY
}

# The token from the environment leaves /proc/PID/environ (the variable
# is overwritten, then removed), and a reload still has it.
t_token_not_in_environ() {
	local token=dop_v1_ENVIRON_3f9c0d1e2a
	secret_scenario "$T/s.json" "$token"
	start_fake "$T/s.json" || return 1
	write_config ""
	EXP_LOG="$T/exporter.log"
	DIGITALOCEAN_TOKEN=$token "$EXPORTER" --config.file="$T/doks.conf" \
		--web.listen-address=127.0.0.1:0 --debug.dumpable 2>>"$EXP_LOG" &
	EXP_PID=$!
	wait_until 10 grep -q 'msg=listening' "$EXP_LOG" || fail "did not start" || return 1
	EXP_URL="http://$(sed -n 's/.*msg=listening address=\([^ ]*\).*/\1/p' "$EXP_LOG" | head -n1)"
	wait_cycles 1 || return 1
	if tr '\0' '\n' <"/proc/$EXP_PID/environ" | grep -q "$token"; then
		fail "the token is in /proc/$EXP_PID/environ"
		return 1
	fi
	if tr '\0' '\n' <"/proc/$EXP_PID/environ" | grep -q '^DIGITALOCEAN_TOKEN='; then
		fail "DIGITALOCEAN_TOKEN is still in the environment"
		return 1
	fi
	# a reload reads the configuration (and the token source) again
	local n
	n=$(cycles_done)
	kill -HUP "$EXP_PID"
	wait_until 10 grep -q 'msg="configuration reloaded"' "$EXP_LOG" ||
		fail "the reload failed: $(grep level=error "$EXP_LOG")" || return 1
	wait_cycles $((n + 1)) || return 1
	SCRAPE=$(scrape)
	[ "$(metric_value doks_exporter_config_last_reload_successful)" = 1 ] || fail "reload not successful" || return 1
	# every request after the reload still carried the token
	grep -qv '	ok	' "$FAKE_LOG" && fail "a request went without the token" && return 1
	return 0
}

# No core dump: the process is not dumpable unless --debug.dumpable says
# so. SIGQUIT would dump core; the kernel's WCOREDUMP says whether it did.
t_no_core_dumps() {
	start_fake "$SCENARIOS/basic.json" || return 1
	write_config ""
	mkdir -p "$T/cwd"
	local flag want got exe
	exe=$(realpath "$EXPORTER")
	for flag in "" --debug.dumpable; do
		want=$([ -n "$flag" ] && echo 1 || echo 0)
		got=$(cd "$T/cwd" && ulimit -c unlimited && ASAN_OPTIONS=disable_coredump=0:${ASAN_OPTIONS:-} \
			DIGITALOCEAN_TOKEN=$TOKEN python3 - "$exe" "$T/doks.conf" $flag <<'PY'
import os, signal, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "--config.file=" + sys.argv[2],
                      "--web.listen-address=127.0.0.1:0"] + sys.argv[3:],
                     stderr=subprocess.PIPE, text=True)
for line in p.stderr:
    if "msg=listening" in line:
        break
os.kill(p.pid, signal.SIGQUIT)
_, status = os.waitpid(p.pid, 0)
print(1 if os.WIFSIGNALED(status) and os.WCOREDUMP(status) else 0)
PY
)
		rm -f "$T"/cwd/core*
		if [ "$got" != "$want" ]; then
			if [ -n "$flag" ] && [ -z "${CI:-}" ]; then
				echo "    (no core dump even with --debug.dumpable: this machine does not dump cores; not checked)" >&2
				continue
			fi
			fail "${flag:-default}: core dumped=$got, want $want"
			return 1
		fi
	done
	# and, seen from outside, /proc/PID belongs to root while it runs
	start_exporter || return 1
	[ "$(stat -c %u "/proc/$EXP_PID")" = 0 ] || fail "/proc/$EXP_PID is not root's: the process is dumpable"
}

# The token's copies in the memory of a running exporter, between
# cycles: the settings' and the client's, and at times a piece of the
# last request in a dead frame of the poller thread's stack (libcurl's
# doing: the frame is reused, so the piece does not pile up). libcurl's
# freed request buffers used to hold it many times over (21 here, 24 in
# a review's core dump), and its receive buffer a credentials body.
t_token_copies_in_memory() {
	local token=dop_v1_MEMORY_8a7b6c5d4e3f
	secret_scenario "$T/s.json" "$token"
	start_fake "$T/s.json" || return 1
	POLL_INTERVAL=300 write_config ""
	EXP_LOG="$T/exporter.log"
	DIGITALOCEAN_TOKEN=$token "$EXPORTER" --config.file="$T/doks.conf" \
		--web.listen-address=127.0.0.1:0 --debug.dumpable 2>>"$EXP_LOG" &
	EXP_PID=$!
	wait_until 10 grep -q 'msg=listening' "$EXP_LOG" || fail "did not start" || return 1
	wait_cycles 1 || return 1
	grep -q 'credentials' "$FAKE_LOG" || fail "no credentials were read" || return 1
	local n c
	n=$(count_in_memory "$EXP_PID" "$token")
	c=$(count_in_memory "$EXP_PID" cluster-token-SECRET-5e2b)
	if [ "$n" = unreadable ]; then
		[ -z "${CI:-}" ] && { echo "    (/proc/$EXP_PID/mem unreadable here: not checked)" >&2; return 0; }
		fail "/proc/$EXP_PID/mem unreadable, and CI must run this"
		return 1
	fi
	echo "    token copies in memory: $n; credentials token: $c" >&2
	[ "$n" -le 3 ] || fail "the token is $n times in memory, want at most 3" || return 1
	[ "$c" = 0 ] || fail "the credentials' token is $c times in memory"
}
