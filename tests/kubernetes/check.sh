#!/bin/sh
# make kubernetes-check: the manifests of config/kubernetes/.
#  1. config/kubernetes/prometheusrule.yaml is what gen-prometheusrule.sh
#     makes of dashboards/doks-alerts.rules.yml today;
#  2. check.mjs: YAML, the Kubernetes and Prometheus Operator schemas
#     (kubernetes-models), no unknown field (tsc), the project's rules;
#     with kubectl on the machine, `kubectl kustomize` renders the folder
#     offline and its output is checked too;
#  3. the exporter itself accepts the ConfigMap's configuration: one
#     --once cycle of $BUILD/doks_exporter against $BUILD/fakeapi on
#     loopback, with only the API address and the state path changed.
# The npm packages (exact versions in package.json, hashes in
# package-lock.json) are installed with npm ci into $BUILD/kubernetes-check
# the first time; after that the check runs offline.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${BUILD:-build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
W=$B/kubernetes-check
HERE=$ROOT/tests/kubernetes
passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
notok() { echo "not ok - $*"; failed=$((failed + 1)); }

command -v node >/dev/null || { echo "node is missing: apt-get install nodejs npm"; exit 1; }
mkdir -p "$W"
if ! cmp -s "$HERE/package.json" "$W/package.json" || ! cmp -s "$HERE/package-lock.json" "$W/package-lock.json" ||
	[ ! -f "$W/node_modules/typescript/bin/tsc" ] || [ ! -f "$W/node_modules/kubernetes-models/package.json" ]; then
	echo "installing kubernetes-models, @kubernetes-models/prometheus-operator, yaml and typescript into $W"
	rm -rf "$W/node_modules"
	cp "$HERE/package.json" "$HERE/package-lock.json" "$W/"
	(cd "$W" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || { echo "npm ci failed in $W"; exit 1; }
fi

# 1. the generated PrometheusRule
if sh "$HERE/gen-prometheusrule.sh" >"$W/prometheusrule.yaml" && cmp -s "$W/prometheusrule.yaml" config/kubernetes/prometheusrule.yaml; then
	ok "config/kubernetes/prometheusrule.yaml is up to date with dashboards/doks-alerts.rules.yml"
else
	notok "config/kubernetes/prometheusrule.yaml is out of date: run make kubernetes-rules"
	diff -u config/kubernetes/prometheusrule.yaml "$W/prometheusrule.yaml" | head -n 20 | sed 's/^/    /'
fi

# 2. schemas and rules, with kustomize's rendering when kubectl is here
RENDERED=
if command -v kubectl >/dev/null 2>&1; then
	if kubectl kustomize config/kubernetes >"$W/rendered.yaml" 2>"$W/kustomize.err"; then
		ok "kubectl kustomize config/kubernetes renders ($(grep -c '^kind:' "$W/rendered.yaml") objects)"
		RENDERED=$W/rendered.yaml
	else
		notok "kubectl kustomize config/kubernetes"
		sed 's/^/    /' "$W/kustomize.err"
	fi
else
	echo "ok - kubectl kustomize # SKIP no kubectl on this machine"
fi
node "$HERE/check.mjs" "$ROOT" "$W" $RENDERED >"$W/check.out" 2>&1 || true
grep -v '^kubernetes-manifests:' "$W/check.out"
summary=$(sed -n 's/^kubernetes-manifests: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$W/check.out")
if [ -n "$summary" ]; then
	passed=$((passed + ${summary% *}))
	failed=$((failed + ${summary#* }))
else
	notok "check.mjs ran to its end"
fi

# 3. the ConfigMap's configuration, read by the exporter
EXPORTER=$B/doks_exporter
FAKEAPI=$B/fakeapi
if [ -x "$EXPORTER" ] && [ -x "$FAKEAPI" ]; then
	T=$(mktemp -d)
	FAKE_PID=
	trap '[ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null; rm -rf "$T"' EXIT
	"$FAKEAPI" --scenario tests/fixtures/scenarios/basic.json --listen 127.0.0.1 --port-file "$T/port" 2>"$T/fake.err" &
	FAKE_PID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	NODE_PATH=$W/node_modules node -e '
		const fs = require("fs"), YAML = require("yaml");
		process.stdout.write(YAML.parse(fs.readFileSync(process.argv[1], "utf8")).data["doks_exporter.conf"]);
	' config/kubernetes/configmap.yaml |
		sed -e "s#url = \"https://api.digitalocean.com\";#url = \"http://127.0.0.1:$(cat "$T/port")\";#" \
			-e 's#max_requests_per_minute = 60;#max_requests_per_minute = 0;#' \
			-e "s#file = \"/var/lib/doks_exporter/state.json\";#file = \"$T/state.json\";#" >"$T/doks.conf"
	if DIGITALOCEAN_TOKEN=test-token timeout 60 "$EXPORTER" --config.file="$T/doks.conf" --once >"$T/once.out" 2>"$T/once.err" &&
		[ "$(grep -c '^doks_cluster_info{' "$T/once.out")" = 4 ] && grep -q "127.0.0.1:$(cat "$T/port")" "$T/doks.conf" &&
		[ -s "$T/state.json" ]; then
		ok "the exporter accepts the ConfigMap's configuration (--once against the fake API: 4 clusters, state written)"
	else
		notok "the exporter accepts the ConfigMap's configuration"
		tail -n 5 "$T/once.err" | sed 's/^/    /'
	fi
else
	echo "ok - the exporter reads the ConfigMap's configuration # SKIP no $EXPORTER or $FAKEAPI (make all $FAKEAPI)"
fi

echo "kubernetes: $passed passed, $failed failed"
[ $failed = 0 ]
