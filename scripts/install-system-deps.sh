#!/usr/bin/env bash
# Installs the system packages and Python packages the test suite uses.
# Idempotent: skips what is already present. Used by .ci/run and by developers.
set -euo pipefail
need_apt=()
if [ ${#need_apt[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi
