#!/bin/sh
# Every alert of dashboards/doks-alerts.rules.yml has a `for:`, a severity,
# and summary, description and runbook_url annotations; every runbook_url
# ends in #runbook-<alert name in lower case>, and README.md has the
# heading that anchor points at ("### Runbook: <AlertName>").
set -eu
cd "$(dirname "$0")/../.."
python3 - dashboards/doks-alerts.rules.yml README.md <<'PY'
import re, sys

rules_file, readme = sys.argv[1:3]
text = open(rules_file).read()
blocks = re.split(r"^\s*- alert:\s*", text, flags=re.M)[1:]
problems = []

def slug(heading):  # GitHub's anchor of a Markdown heading
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")

anchors = {slug(m) for m in re.findall(r"^#+\s+(.*)$", open(readme).read(), re.M)}
for b in blocks:
    name = b.split()[0]
    for key in ("expr:", "for:", "severity:", "summary:", "description:", "runbook_url:"):
        if not re.search(r"^\s*" + key, b, re.M):
            problems.append("%s: no %s" % (name, key[:-1]))
    m = re.search(r"runbook_url:\s*\"?([^\"\s]+)", b)
    if m:
        want = "#runbook-" + name.lower()
        if not m.group(1).endswith(want):
            problems.append("%s: runbook_url %s does not end in %s" % (name, m.group(1), want))
        elif want[1:] not in anchors:
            problems.append("%s: %s has no heading \"Runbook: %s\" for %s" % (name, readme, name, want))
for p in problems:
    print("    " + p, file=sys.stderr)
print("runbooks: %d alerts, %d problem(s)" % (len(blocks), len(problems)))
sys.exit(1 if problems or not blocks else 0)
PY
