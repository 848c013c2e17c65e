#!/usr/bin/env bash
# C tests: the header, the library's linkage and symbols, the sample against the sandbox,
# every export with bad input, and authentication. Run from anywhere; `make c-test` runs
# it after `make build`. Prints one PASS/FAIL line per test and a final
# "N passed, N failed" line; exits 1 if any failed.
#
# Env: RECRAFT_CLI (default .build/debug/recraft-cli), CC (cc), CXX (c++),
#      RECRAFT_LIB_DIR (default out/lib).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
RECRAFT_CLI=${RECRAFT_CLI:-.build/debug/recraft-cli}
CC=${CC:-cc}
CXX=${CXX:-c++}
LIB_DIR=$(cd "${RECRAFT_LIB_DIR:-out/lib}" 2>/dev/null && pwd) || { echo "no ${RECRAFT_LIB_DIR:-out/lib}: run make build"; exit 1; }
LIB=$LIB_DIR/librecraft.so
HEADER=include/recraft.h
SAMPLE=bindings/c/examples/sample.png
STRICT=(-Wall -Wextra -pedantic -Werror)
GOOD_KEY=c-tests-key

WORK=$(mktemp -d "${TMPDIR:-/tmp}/recraft-c-tests.XXXXXX")
export SANDBOX_LOG_DIR=$WORK
source scripts/sandbox.sh
trap 'sandbox_stop_all; rm -rf "$WORK"' EXIT

# LD_LIBRARY_PATH without any Swift toolchain directory: the library must not need one.
NO_SWIFT_LD_PATH=$(printf '%s' "${LD_LIBRARY_PATH:-}" | tr ':' '\n' | grep -vi swift | paste -sd: - || true)

passed=0
failed=0
run_test() {
    local name=$1; shift
    if "$@" >"$WORK/$name.log" 2>&1; then
        passed=$((passed + 1)); echo "PASS $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"
        # Every "not ok" line of a program that prints one per check, then the log's end.
        grep '^not ok' "$WORK/$name.log" | sed 's/^/    /'
        tail -n 25 "$WORK/$name.log" | grep -v '^not ok' | sed 's/^/    /' 
    fi
}

link_flags() { echo "-L$LIB_DIR -lrecraft -Wl,-rpath,$LIB_DIR"; }

# --- (a) the header -----------------------------------------------------------------

test_header_c11() {
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude -x c -fsyntax-only "$HEADER"
}

test_header_cxx17() {
    "$CXX" -std=c++17 "${STRICT[@]}" -Iinclude -x c++ -fsyntax-only "$HEADER"
}

test_header_twice_c11() {
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude bindings/c/tests/header_twice.c -o "$WORK/header_twice_c" $(link_flags) &&
        "$WORK/header_twice_c"
}

test_header_twice_cxx17() {
    "$CXX" -std=c++17 "${STRICT[@]}" -Iinclude -x c++ bindings/c/tests/header_twice.c -o "$WORK/header_twice_cxx" $(link_flags) &&
        "$WORK/header_twice_cxx"
}

# --- (f) the exported symbols are exactly the header's functions ------------------------

test_symbols_match_header() {
    nm -D --defined-only "$LIB" | awk '$2 == "T" && $3 ~ /^recraft_/ { print $3 }' | sort >"$WORK/exported"
    grep -oE '^extern [^(]*[ *](recraft_[a-z0-9_]+)\(' "$HEADER" | grep -oE 'recraft_[a-z0-9_]+\($' | tr -d '(' | sort >"$WORK/declared"
    echo "exported: $(wc -l <"$WORK/exported"), declared: $(wc -l <"$WORK/declared")"
    [ -s "$WORK/declared" ] || { echo "no declarations found in $HEADER"; return 1; }
    diff -u --label "declared in $HEADER" --label "exported by $LIB" "$WORK/declared" "$WORK/exported"
}

# --- (b) no Swift runtime needed --------------------------------------------------------

test_no_swift_runtime_linked() {
    LD_LIBRARY_PATH=$NO_SWIFT_LD_PATH ldd "$LIB" | tee "$WORK/ldd"
    if grep -qi 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' "$WORK/ldd"; then
        echo "librecraft.so links a Swift runtime library"; return 1
    fi
    if grep -q 'not found' "$WORK/ldd"; then echo "unresolved dependency"; return 1; fi
}

# --- the sample -------------------------------------------------------------------------

test_sample_builds() {
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude -Ibindings/c/examples bindings/c/examples/upscale.c \
        -o "$WORK/upscale" $(link_flags)
}

# (b) + (c): the sample, run with no Swift directory on LD_LIBRARY_PATH, upscales the
# sample image against the sandbox; the result's IHDR says it is at least twice as large.
test_sample_upscales() {
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    [ -x "$WORK/upscale" ] || { echo "the sample did not build"; return 1; }
    local out="$WORK/upscaled.png"
    env LD_LIBRARY_PATH="$NO_SWIFT_LD_PATH" RECRAFT_API_KEY=test "$WORK/upscale" "$SANDBOX_URL" "$SAMPLE" "$out" || return 1
    local in_size out_size
    in_size=($(png_size "$SAMPLE")) && out_size=($(png_size "$out")) || return 1
    echo "input ${in_size[0]}x${in_size[1]}, output ${out_size[0]}x${out_size[1]}"
    [ "${out_size[0]}" -ge $((2 * in_size[0])) ] && [ "${out_size[1]}" -ge $((2 * in_size[1])) ]
}

test_sample_reports_errors() {
    [ -x "$WORK/upscale" ] || { echo "the sample did not build"; return 1; }
    # Nothing listens on port 9: the job fails (network), the sample says so and exits 1.
    local status=0
    "$WORK/upscale" "http://127.0.0.1:9" "$SAMPLE" "$WORK/never.png" 2>"$WORK/sample-error.txt" || status=$?
    cat "$WORK/sample-error.txt"
    [ "$status" -eq 1 ] && grep -q '^error: ' "$WORK/sample-error.txt" && [ ! -e "$WORK/never.png" ]
}

# --- (d) every export with bad input ----------------------------------------------------

test_boundary() {
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    "$CC" -std=c11 "${STRICT[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/boundary.c -pthread \
        -o "$WORK/boundary" $(link_flags) || return 1
    TMPDIR=$WORK "$WORK/boundary" "$SANDBOX_URL" "$ROOT/$SAMPLE"
}

# The same program under valgrind's memcheck: no invalid read or write, no use of freed
# memory, no definite leak, whatever the checks themselves say (test boundary reports those).
test_boundary_memcheck() {
    command -v valgrind >/dev/null || { echo "valgrind is missing: run make deps"; return 1; }
    [ -x "$WORK/boundary" ] || { echo "boundary did not build"; return 1; }
    local status=0
    TMPDIR=$WORK valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite "$WORK/boundary" "$SANDBOX_URL" "$ROOT/$SAMPLE" >"$WORK/memcheck.out" || status=$?
    echo "boundary under valgrind exited $status (0 or 1: no memory error; 99: memory errors above)"
    [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

# --- (e) a wrong API key ------------------------------------------------------------------

test_wrong_api_key() {
    [ -n "${KEYED_SANDBOX_URL:-}" ] || { echo "no sandbox with --api-key"; return 1; }
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude bindings/c/tests/auth.c -o "$WORK/auth" $(link_flags) || return 1
    "$WORK/auth" "$KEYED_SANDBOX_URL" "$ROOT/$SAMPLE" "$GOOD_KEY"
}

# --------------------------------------------------------------------------------------------

[ -f "$LIB" ] || { echo "FAIL setup: $LIB is missing: run make build"; echo "0 passed, 1 failed"; exit 1; }

SANDBOX_URL=""
KEYED_SANDBOX_URL=""
sandbox_start SANDBOX_URL --task-duration-ms 300 || echo "could not start the sandbox ($RECRAFT_CLI)"
sandbox_start KEYED_SANDBOX_URL --task-duration-ms 100 --api-key "$GOOD_KEY" || echo "could not start the keyed sandbox"
echo "sandbox: ${SANDBOX_URL:-none}, with --api-key: ${KEYED_SANDBOX_URL:-none}"

run_test header_c11 test_header_c11
run_test header_cxx17 test_header_cxx17
run_test header_twice_c11 test_header_twice_c11
run_test header_twice_cxx17 test_header_twice_cxx17
run_test symbols_match_header test_symbols_match_header
run_test no_swift_runtime_linked test_no_swift_runtime_linked
run_test sample_builds test_sample_builds
run_test sample_upscales test_sample_upscales
run_test sample_reports_errors test_sample_reports_errors
run_test boundary test_boundary
run_test boundary_memcheck test_boundary_memcheck
run_test wrong_api_key test_wrong_api_key

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
