#!/usr/bin/env bash
# make demo: start the sandbox on loopback, crisp-upscale the bundled sample image three
# times (the C sample, the Python example, the Swift example), print where each result
# is and its size against the input's, then stop the sandbox (also on error or Ctrl-C).
#
# Env: RECRAFT_CLI (default .build/debug/recraft-cli), SWIFT (swift), SCRATCH (.build),
#      PYTHON (python3), DEMO_OUT (default out/demo).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SWIFT=${SWIFT:-swift}
SCRATCH=${SCRATCH:-.build}
PYTHON=${PYTHON:-python3}
OUT=${DEMO_OUT:-out/demo}
INPUT=bindings/c/examples/sample.png
export RECRAFT_CLI=${RECRAFT_CLI:-$SCRATCH/debug/recraft-cli}
export RECRAFT_API_KEY=${RECRAFT_API_KEY:-demo}

source scripts/sandbox.sh
trap 'sandbox_stop_all; rm -rf "$SANDBOX_LOG_DIR"' EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
rm -f "$OUT"/upscaled-*.png
sandbox_start BASE_URL
read -r in_w in_h < <(png_size "$INPUT")
echo "sandbox: $BASE_URL"
echo "input:   $INPUT (${in_w}x${in_h})"

failed=0
summary=()
run() {
    local name=$1 output=$2; shift 2
    echo
    echo "== $name: $*"
    local status=0 size
    "$@" "$BASE_URL" "$INPUT" "$output" || status=$?
    if [ "$status" -ne 0 ]; then
        summary+=("$(printf '%-7s FAILED (exit %s)' "$name" "$status")"); failed=1
    elif ! size=$(png_size "$output" 2>/dev/null); then
        summary+=("$(printf '%-7s FAILED: no PNG at %s' "$name" "$output")"); failed=1
    else
        local w=${size% *} h=${size#* }
        summary+=("$(printf '%-7s %s: %sx%s, %sx the input (%sx%s)' "$name" "$output" "$w" "$h" "$((w / in_w))" "$in_w" "$in_h")")
    fi
}

run C "$OUT/upscaled-c.png" out/bin/upscale
run Python "$OUT/upscaled-python.png" "$PYTHON" bindings/python/examples/upscale.py
run Swift "$OUT/upscaled-swift.png" "$SWIFT" run -q --scratch-path "$SCRATCH" recraft-swift-example

echo
echo "== results"
printf '%s\n' "${summary[@]}"
exit "$failed"
