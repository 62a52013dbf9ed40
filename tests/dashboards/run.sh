#!/bin/sh
# Checks dashboards/doks-overview.json:
#  1. tsc --noEmit against Grafana's own dashboard types (@grafana/schema):
#     check.ts imports the JSON, and a copy of it as an object literal is
#     checked for enum values and unknown properties too;
#  2. check.mjs: data source variable, descriptions, units, thresholds,
#     panel ids, layout, variables.
# @grafana/schema and typescript (exact versions in package.json, hashes
# in package-lock.json) are installed with npm ci into
# $BUILD/dashboards-check the first time; after that the check runs
# offline.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
B=${BUILD:-build}
case $B in /*) W=$B/dashboards-check ;; *) W=$ROOT/$B/dashboards-check ;; esac
DASH=$ROOT/dashboards/doks-overview.json
HERE=$ROOT/tests/dashboards

command -v node >/dev/null || { echo "node is missing: apt-get install nodejs npm"; exit 1; }
mkdir -p "$W"
if ! cmp -s "$HERE/package.json" "$W/package.json" || ! cmp -s "$HERE/package-lock.json" "$W/package-lock.json" ||
	[ ! -f "$W/node_modules/typescript/bin/tsc" ] || [ ! -f "$W/node_modules/@grafana/schema/package.json" ]; then
	echo "installing @grafana/schema and typescript into $W"
	rm -rf "$W/node_modules"
	cp "$HERE/package.json" "$HERE/package-lock.json" "$W/"
	# npm ci: exactly the lock file's versions, checked against its hashes
	(cd "$W" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
		{ echo "npm ci failed in $W"; exit 1; }
fi

passed=0
failed=0

# 1. types. The literal copy keeps the JSON's line numbers: its first line
# holds the imports and the opening brace.
node -e '
const fs = require("fs");
const [dash, out, check] = process.argv.slice(1);
const text = fs.readFileSync(dash, "utf8");
JSON.parse(text);
fs.writeFileSync(out, "import type { Dashboard } from \"@grafana/schema\"; import type { Literal } from " +
  JSON.stringify(check) + "; export const literal: Literal<Dashboard> = " + text.replace(/\s+$/, "") + ";\n");
' "$DASH" "$W/dashboard-literal.ts" "$HERE/check" || { echo "not ok - $DASH is not JSON"; exit 1; }
cat >"$W/tsconfig.json" <<JSON
{
  "compilerOptions": {
    "target": "es2022",
    "lib": ["es2022"],
    "module": "esnext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "esModuleInterop": true,
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": [],
    "paths": { "@grafana/schema": ["$W/node_modules/@grafana/schema/dist/types/index.d.ts"] }
  },
  "files": ["$HERE/check.ts", "$W/dashboard-literal.ts"]
}
JSON
if node "$W/node_modules/typescript/bin/tsc" -p "$W/tsconfig.json" >"$W/tsc.out" 2>&1; then
	echo "ok - dashboard matches @grafana/schema's Dashboard type"
	passed=$((passed + 1))
else
	echo "not ok - dashboard does not match @grafana/schema's Dashboard type"
	sed -e 's#^[^ (]*dashboard-literal\.ts#dashboards/doks-overview.json (as a literal)#' -e 's/^/    /' "$W/tsc.out" | head -40
	failed=$((failed + 1))
fi

# 2. lint
if node "$HERE/check.mjs" "$DASH"; then
	echo "ok - dashboard lint"
	passed=$((passed + 1))
else
	echo "not ok - dashboard lint"
	failed=$((failed + 1))
fi

echo "dashboards: $passed passed, $failed failed"
[ $failed = 0 ]
