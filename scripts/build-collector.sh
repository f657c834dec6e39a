#!/usr/bin/env bash
# Builds the OpenTelemetry Collector described by collector-config/builder-config.yaml
# with the OpenTelemetry Collector Builder, and prints the binary's path as the
# last line of standard output (progress goes to standard error).
#
# The build lives outside the repository, in a cache directory keyed by the
# Collector release and a hash of the manifest (its non-comment lines):
#   ${MODELWATCH_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelwatch}/otelcol-<release>-<sha>
# so a second run (CI, the e2e tests) reuses the binary, and changing the
# manifest builds afresh. Go's own module and build caches stay where `go env`
# puts them (under $HOME by default), so this works under `env -i HOME PATH`.
#
# Usage: bash scripts/build-collector.sh [--print-dir]
#   --print-dir  print the cache directory this manifest builds into, and exit.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MANIFEST="$ROOT/collector-config/builder-config.yaml"

die() {
  echo "build-collector: $*" >&2
  exit 1
}

[[ -f "$MANIFEST" ]] || die "no manifest at $MANIFEST"
[[ -n "${HOME:-}" ]] || die "HOME is not set (the cache and Go's caches live under it)"

# The builder's release is the core release the manifest names, so the two
# cannot drift apart: the otlpreceiver line is the reference.
RELEASE="$(sed -n 's|^[[:space:]]*- gomod: go.opentelemetry.io/collector/receiver/otlpreceiver \(v[0-9][0-9.]*\)[[:space:]]*$|\1|p' "$MANIFEST")"
[[ -n "$RELEASE" ]] || die "cannot read the release from the otlpreceiver line of $MANIFEST"

# The key hashes the manifest without its comment and blank lines: rewording a
# comment does not rebuild, any other change does.
SHA="$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$MANIFEST" | sha256sum | cut -c1-12)"
CACHE_ROOT="${MODELWATCH_OTELCOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/modelwatch}"
DIR="$CACHE_ROOT/otelcol-$RELEASE-$SHA"
# The manifest's dist.name and dist.output_path.
BINARY="$DIR/dist/otelcol-modelwatch"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$DIR"
  exit 0
fi

if [[ -x "$BINARY" ]]; then
  echo "build-collector: reusing $BINARY" >&2
  echo "$BINARY"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "'go' is not on PATH: install the Go toolchain (1.26 or newer; the Collector $RELEASE modules need go 1.26) and run again"

start=$SECONDS
mkdir -p "$CACHE_ROOT"
# Build in a private directory and rename it into place at the end, so an
# interrupted or concurrent build never leaves a half-built binary at $BINARY.
WORK="$(mktemp -d "$CACHE_ROOT/.otelcol-$RELEASE-$SHA.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "build-collector: $(go version); installing the builder $RELEASE" >&2
GOBIN="$WORK/bin" go install "go.opentelemetry.io/collector/cmd/builder@$RELEASE" >&2

cp "$MANIFEST" "$WORK/builder-config.yaml"
echo "build-collector: building the Collector in $WORK (this takes minutes the first time)" >&2
# dist.output_path is relative (./dist), so the sources and binary land in $WORK.
(cd "$WORK" && "$WORK/bin/builder" --config builder-config.yaml) >&2 \
  || die "the OpenTelemetry Collector Builder failed (output above)"
[[ -x "$WORK/dist/otelcol-modelwatch" ]] || die "the builder finished but $WORK/dist/otelcol-modelwatch is missing"

if ! mv -T "$WORK" "$DIR" 2>/dev/null; then
  # Another run finished the same build first: keep its copy.
  [[ -x "$BINARY" ]] || die "cannot move $WORK to $DIR"
fi
trap - EXIT
rm -rf "$WORK"
echo "build-collector: built in $((SECONDS - start)) s" >&2
echo "$BINARY"
