#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (scripts/system-deps.tsv):
# each line's probe is run, and the packages whose probe fails are installed.
# Needs root. Called by `npm test` (scripts/setup.mjs) when it runs as root and
# something is missing, and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
while IFS=$'\t' read -r probe pkg; do
  case "$probe" in ''|'#'*) continue ;; esac
  if ! bash -c "$probe" >/dev/null 2>&1; then need+=("$pkg"); fi
done < scripts/system-deps.tsv
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "system packages missing: ${need[*]}; run as root: sudo bash scripts/install-system-deps.sh" >&2
  exit 1
fi
echo "system packages: installing ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
