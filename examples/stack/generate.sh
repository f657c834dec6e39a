#!/usr/bin/env bash
# Regenerates the stack's Prometheus rules, Alertmanager config and Grafana
# dashboards from modelwatch/modelwatch.yaml (a test checks they are current).
# Run from anywhere after `npm run build`.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mw="node $here/../../packages/aggregator/bin/modelwatch.js"
config="$here/modelwatch/modelwatch.yaml"
$mw rules --config "$config" --naming otel-js --out "$here/prometheus/modelwatch.rules.yml"
$mw alertmanager --config "$config" --out "$here/alertmanager/alertmanager.yml"
$mw dashboards --config "$config" --naming otel-js --out "$here/grafana/dashboards"
