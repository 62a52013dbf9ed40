#!/bin/sh
# Prints config/kubernetes/prometheusrule.yaml: the alerting rules of
# dashboards/doks-alerts.rules.yml as a Prometheus Operator PrometheusRule.
#
#   tests/kubernetes/gen-prometheusrule.sh > config/kubernetes/prometheusrule.yaml
#
# The groups are copied line for line (comments included), indented under
# spec:, so the rules file stays the one source. tests/kubernetes/check.sh
# fails when the committed file differs from a fresh generation, and checks
# that both parse to the same groups.
set -eu
cd "$(dirname "$0")/../.."
RULES=dashboards/doks-alerts.rules.yml
grep -q '^groups:' "$RULES" || { echo "$RULES has no top-level groups:" >&2; exit 1; }
cat <<'HEAD'
# GENERATED from dashboards/doks-alerts.rules.yml by
# tests/kubernetes/gen-prometheusrule.sh: do not edit. Change the rules
# file, then regenerate (make kubernetes-rules).
#
# Prometheus Operator: the exporter's alerting rules. The expressions expect
# the scrape job to have "doks" in its name: the ServiceMonitor's job is the
# Service's name, doks-exporter. A Prometheus installed by
# kube-prometheus-stack selects only rules labelled release: <its Helm
# release>: add that label here if yours does.
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: doks-exporter
  labels:
    app.kubernetes.io/name: doks-exporter
spec:
HEAD
# from the groups: line to the end, each non-empty line indented by two
sed -n '/^groups:/,$p' "$RULES" | sed 's/^./  &/'
