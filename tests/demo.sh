#!/bin/sh
# make demo: the exporter against the built-in fake DigitalOcean API, with
# four sample clusters (up to date, a patch behind, several behind, and one
# whose upgrades call fails). Prints the metrics URL and the status page's.
# No token needed; Ctrl-C stops both.
set -eu
B=${BUILD:-build}
PORT=${DEMO_PORT:-9925}
tmp=$(mktemp -d)
fake_pid=
exp_pid=
stop() {
	trap - INT TERM EXIT
	[ -n "$exp_pid" ] && kill "$exp_pid" 2>/dev/null
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	echo
	echo "demo stopped"
	exit 0
}
trap stop INT TERM EXIT

"$B/fakeapi" --scenario tests/fixtures/scenarios/demo.json --port-file "$tmp/port" \
	--log "$tmp/requests.log" 2>"$tmp/fakeapi.log" &
fake_pid=$!
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "the fake API did not start:"; cat "$tmp/fakeapi.log"; exit 1; }
	sleep 0.05
done
api_port=$(cat "$tmp/port")

cat >"$tmp/demo.conf" <<CONF
# the fake API has no budget to share: no pacing
api = { url = "http://127.0.0.1:$api_port"; timeout = 5; max_requests_per_minute = 0; };
poll = { interval = 15; credentials_interval = 60; };
web = { listen_address = "127.0.0.1:$PORT"; };
# the source tree's table (the binary's built-in copy is the same file)
support = { timeline_file = "$PWD/config/support-timeline.json"; };
CONF

DIGITALOCEAN_TOKEN=test-token "$B/doks_exporter" --config.file="$tmp/demo.conf" &
exp_pid=$!
i=0
until curl -fs "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$exp_pid" 2>/dev/null; then
		echo "the exporter did not become ready (is port $PORT free? try DEMO_PORT=...)"
		exit 1
	fi
	sleep 0.1
done

# ready means every cluster is listed; the upgrades follow within a second
i=0
until curl -fs "http://127.0.0.1:$PORT/metrics" 2>/dev/null | grep -q '^doks_exporter_poll_success{.*endpoint="upgrades"'; do
	i=$((i + 1))
	[ $i -gt 50 ] && break
	sleep 0.1
done

cat <<TXT

doks_exporter is serving the fake API's clusters:

    http://127.0.0.1:$PORT/metrics

and their upgrade readiness, for a browser (the status page):

    http://127.0.0.1:$PORT/

A few of its series (the rest: curl the URL above):
TXT
curl -fs "http://127.0.0.1:$PORT/metrics" |
	grep -E '^(doks_cluster_info|doks_cluster_available_upgrade_info|doks_cluster_version_supported|doks_cluster_next_maintenance_window_timestamp_seconds|doks_cluster_client_certificate_expiry_timestamp_seconds|doks_cluster_forced_upgrade_earliest_timestamp_seconds|doks_exporter_poll_success\{.*endpoint="upgrades")' |
	sed 's/^/    /'
cat <<TXT

The same, as the upgrade watcher prints it for cron jobs (doks_exporter --check):

TXT
DIGITALOCEAN_TOKEN=test-token "$B/doks_exporter" --config.file="$tmp/demo.conf" --check 2>/dev/null |
	sed 's/^/    /' || true
echo
echo "Press Ctrl-C to stop."
wait "$exp_pid"
