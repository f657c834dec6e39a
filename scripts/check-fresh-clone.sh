#!/usr/bin/env bash
# Checks the README's commands on a fresh clone, as a new user would run them:
# clones this repository's committed HEAD into a temporary directory and runs
# `npm ci && npm test` there under `env -i` (only HOME and PATH), so nothing
# from this shell's environment or this work tree's installed files can help.
#
#   bash scripts/check-fresh-clone.sh            # install + test
#   bash scripts/check-fresh-clone.sh --demo     # also `npm run demo -- --duration 90s`
#   KEEP=1 bash scripts/check-fresh-clone.sh     # keep the clone for a look afterwards
#
# Uncommitted changes are not part of the check: commit first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
demo=0
for a in "$@"; do
  case "$a" in
    --demo) demo=1 ;;
    *) echo "usage: $0 [--demo]" >&2; exit 2 ;;
  esac
done
tmp="$(mktemp -d "${TMPDIR:-/tmp}/modelwatch-fresh-XXXXXX")"
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$tmp"' EXIT; fi
if [ -n "$(git -C "$repo" status --porcelain)" ]; then
  echo "check-fresh-clone: note: uncommitted changes in $repo are not checked" >&2
fi
git clone --quiet "$repo" "$tmp/modelwatch"
cd "$tmp/modelwatch"
echo "check-fresh-clone: $(git log -1 --format='%h %s') in $tmp/modelwatch"
start=$(date +%s)
env -i HOME="$HOME" PATH="$PATH" bash -c 'npm ci && npm test'
if [ "$demo" = 1 ]; then
  env -i HOME="$HOME" PATH="$PATH" bash -c 'npm run demo -- --duration 90s'
fi
echo "check-fresh-clone: passed in $(( $(date +%s) - start )) s"
