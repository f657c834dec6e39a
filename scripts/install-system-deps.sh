#!/usr/bin/env bash
# Installs the system packages and Python packages the test suite uses.
# Idempotent: skips what is already present. Used by .ci/run and by developers.
set -euo pipefail
need_apt=()
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

# Python: the OpenTelemetry SDK for the tested Python instrumentation example
# (docs/python.md). Pinned to the versions the example was written against.
if ! python3 -c 'import opentelemetry.sdk, opentelemetry.exporter.otlp.proto.http' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check \
    'opentelemetry-sdk==1.45.2' 'opentelemetry-exporter-otlp-proto-http==0.66b2'
fi
