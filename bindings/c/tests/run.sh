#!/usr/bin/env bash
# C tests: the header, the library's ABI (symbols, soname, linkage), every sample built
# strictly and run against the sandbox (plain, under valgrind memcheck, under
# AddressSanitizer), every export with bad input, authentication, and `make install` +
# pkg-config. Run from anywhere; `make c-test` runs it after `make build`. Prints one
# "ok NAME" / "not ok NAME" line per test (with the log's end for a failure) and a
# final "N passed, N failed" line; exits 1 if any failed.
#
# Also: a clean exit however a program ends (exit.c, many runs, plainly and under
# valgrind), the library in a fork()ed child (fork.c), and hostile input through the C
# boundary, each case in its own process (hostile.c, with retry_after_server.py).
#
# Env: RECRAFT_CLI (default .build/debug/recraft-cli), CC (cc), CXX (c++),
#      RECRAFT_LIB_DIR (default out/lib), MAKE (make),
#      RECRAFT_C_TESTS: run only these tests, space-separated; a word is a test's name, or
#          the start of names before an underscore ("exit fork hostile" runs exit_*, fork_*
#          and hostile_*), or a glob ("*_memcheck"). Default: every test.
#      RECRAFT_EXIT_RUNS (200), RECRAFT_EXIT_MEMCHECK_RUNS (20): runs per exit mode.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$ROOT"
RECRAFT_CLI=${RECRAFT_CLI:-.build/debug/recraft-cli}
CC=${CC:-cc}
CXX=${CXX:-c++}
MAKE=${MAKE:-make}
LIB_DIR=$(cd "${RECRAFT_LIB_DIR:-out/lib}" 2>/dev/null && pwd) || { echo "no ${RECRAFT_LIB_DIR:-out/lib}: run make build"; exit 1; }
LIB=$LIB_DIR/librecraft.so
HEADER=include/recraft.h
EXAMPLES=bindings/c/examples
SAMPLE=$ROOT/$EXAMPLES/sample.png
STRICT=(-Wall -Wextra -pedantic -Werror)
SAMPLE_FLAGS=(-std=c11 "${STRICT[@]}" -Iinclude -I"$EXAMPLES" -pthread)
ASAN_FLAGS=(-fsanitize=address -fno-omit-frame-pointer -g)
# Only definite leaks and invalid accesses fail: the Swift runtime inside the library
# keeps caches that are "still reachable" or "possibly lost" at exit, by design. The
# side tables of live Swift objects look lost to both checkers and are suppressed
# (valgrind-swift.supp, lsan-swift.supp say why).
MEMCHECK=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --suppressions="$ROOT/bindings/c/tests/valgrind-swift.supp")
# ASan runs with its leak checker on (LeakSanitizer: unreachable blocks only), and
# fails a run with exit status 98 so that a sample's own failure (1) stays distinct.
export ASAN_OPTIONS=${ASAN_OPTIONS:-exitcode=98:detect_leaks=1:abort_on_error=0}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/bindings/c/tests/lsan-swift.supp:print_suppressions=0}
GOOD_KEY=c-tests-key
SAMPLES=(upscale batch resume errors wait_any event_loop memory)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/recraft-c-tests.XXXXXX")
mkdir -p "$WORK/bin" "$WORK/asan"
export SANDBOX_LOG_DIR=$WORK
source scripts/sandbox.sh
# Other servers the tests start (retry_after_server.py), stopped with the sandboxes.
EXTRA_PIDS=()
stop_extra() {
    local pid
    for pid in "${EXTRA_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${EXTRA_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    EXTRA_PIDS=()
}
trap 'sandbox_stop_all; stop_extra; rm -rf "$WORK"' EXIT

# LD_LIBRARY_PATH without any Swift toolchain directory: the library must not need one.
NO_SWIFT_LD_PATH=$(printf '%s' "${LD_LIBRARY_PATH:-}" | tr ':' '\n' | grep -vi swift | paste -sd: - || true)

passed=0
failed=0
# True when RECRAFT_C_TESTS is unset or empty, or names this test (see the header).
selected() {
    local name=$1 word
    [ -z "${RECRAFT_C_TESTS:-}" ] && return 0
    for word in $RECRAFT_C_TESTS; do
        # shellcheck disable=SC2053 # the word may be a glob
        [[ $name == $word || $name == ${word}_* ]] && return 0
    done
    return 1
}
run_test() {
    local name=$1 started=$SECONDS; shift
    selected "$name" || return 0
    if "$@" >"$WORK/$name.log" 2>&1; then
        passed=$((passed + 1)); echo "ok $name ($((SECONDS - started)) s)"
    else
        failed=$((failed + 1)); echo "not ok $name ($((SECONDS - started)) s)"
        # Every "not ok" line of a program that prints one per check, then the log's end.
        grep '^not ok' "$WORK/$name.log" | sed 's/^/    /'
        tail -n 25 "$WORK/$name.log" | grep -v '^not ok' | sed 's/^/    /'
    fi
}

link_flags() { echo "-L$LIB_DIR -lrecraft -Wl,-rpath,$LIB_DIR"; }

# A value from the sandbox's GET /sandbox/stats (python3: curl may not be installed).
sandbox_stat() {
    python3 -c 'import json, sys, urllib.request
print(json.load(urllib.request.urlopen(sys.argv[1] + "/sandbox/stats", timeout=10))[sys.argv[2]])' "$1" "$2"
}

# Runs a sample binary plainly, under memcheck, or (ASan build) plainly: run MODE NAME ARGS...
run() {
    local mode=$1 name=$2; shift 2
    case $mode in
        plain) "$WORK/bin/$name" "$@" ;;
        memcheck) "${MEMCHECK[@]}" "$WORK/bin/$name" "$@" ;;
        asan) "$WORK/asan/$name" "$@" ;;
    esac
}

# --- the header ------------------------------------------------------------------------

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

# RECRAFT_VERSION_AT_LEAST at its edges (in #if too) and recraft_version() == the macros.
test_version_macros() {
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude bindings/c/tests/version.c -o "$WORK/version" $(link_flags) &&
        "$WORK/version"
}

# --- the library's ABI -----------------------------------------------------------------

# abi.c pins every function's type and every constant's value (C11 and C++17), and names
# every function the header declares: an addition must be recorded there, a change fails.
test_abi_frozen() {
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude bindings/c/tests/abi.c -o "$WORK/abi_c" $(link_flags) && "$WORK/abi_c" &&
        "$CXX" -std=c++17 "${STRICT[@]}" -Iinclude -x c++ bindings/c/tests/abi.c -o "$WORK/abi_cxx" $(link_flags) &&
        "$WORK/abi_cxx" || return 1
    grep -oE '= recraft_[a-z0-9_]+;' bindings/c/tests/abi.c | grep -oE 'recraft_[a-z0-9_]+' | sort >"$WORK/frozen"
    header_functions |
        diff -u --label "frozen in bindings/c/tests/abi.c" --label "declared in $HEADER" "$WORK/frozen" -
}

# The functions include/recraft.h declares, sorted.
header_functions() {
    grep -oE '^extern [^(]*[ *](recraft_[a-z0-9_]+)\(' "$HEADER" | grep -oE 'recraft_[a-z0-9_]+\($' | tr -d '(' | sort
}

header_version() {
    awk '/^#define RECRAFT_VERSION_(MAJOR|MINOR|PATCH) / { v = v sep $3; sep = "." } END { print v }' "$HEADER"
}

# The dynamic symbol table's defined, global (or weak) symbols are exactly the functions
# the header declares: the version script hides the Swift runtime and everything else.
test_symbols_match_header() {
    readelf --dyn-syms --wide "$LIB" |
        awk '$5 == "GLOBAL" || $5 == "WEAK" || $5 == "UNIQUE" { if ($7 != "UND") { sub(/@.*/, "", $8); print $8 } }' |
        sort -u >"$WORK/exported"
    header_functions >"$WORK/declared"
    echo "exported: $(wc -l <"$WORK/exported"), declared: $(wc -l <"$WORK/declared")"
    [ -s "$WORK/declared" ] || { echo "no declarations found in $HEADER"; return 1; }
    diff -u --label "declared in $HEADER" --label "exported by $LIB" "$WORK/declared" "$WORK/exported"
}

# DT_NEEDED: libcurl and the C library's family, nothing else (no libswift*, no libz ...).
test_needed_libraries() {
    readelf -d "$LIB" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tee "$WORK/needed"
    local allowed='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libgcc_s\.so\.1|libstdc\+\+\.so\.6|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|libcurl(-gnutls|-nss)?\.so\.4)$'
    local others
    others=$(grep -vE "$allowed" "$WORK/needed")
    [ -z "$others" ] || { echo "needs more than libcurl and libc: $others"; return 1; }
    [ "$(grep -cE '^libcurl' "$WORK/needed")" -eq 1 ] || { echo "does not need libcurl exactly once"; return 1; }
}

test_no_swift_runtime_linked() {
    LD_LIBRARY_PATH=$NO_SWIFT_LD_PATH ldd "$LIB" | tee "$WORK/ldd"
    if grep -qi 'libswift\|libFoundation\|libdispatch\|libBlocksRuntime' "$WORK/ldd"; then
        echo "librecraft.so links a Swift runtime library"; return 1
    fi
    if grep -q 'not found' "$WORK/ldd"; then echo "unresolved dependency"; return 1; fi
}

# The soname is librecraft.so.MAJOR (the header's major version), and a program linked
# with -lrecraft records that name, so a new major version never loads in its place.
test_soname() {
    local major soname
    major=$(header_version | cut -d. -f1)
    soname=$(readelf -d "$LIB" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    echo "header $(header_version), soname ${soname:-none}"
    [ "$soname" = "librecraft.so.$major" ] || { echo "expected soname librecraft.so.$major"; return 1; }
    [ -e "$LIB_DIR/$soname" ] || { echo "$LIB_DIR/$soname is missing (make lib makes it)"; return 1; }
    readelf -d "$WORK/version" | grep -F "(NEEDED)" | grep -qF "[$soname]" ||
        { echo "a program linked with -lrecraft does not record $soname"; return 1; }
}

# --- the samples -------------------------------------------------------------------------

test_samples_build() {
    local name status=0
    for name in "${SAMPLES[@]}"; do
        echo "== $name"
        "$CC" "${SAMPLE_FLAGS[@]}" "$EXAMPLES/$name.c" -o "$WORK/bin/$name" $(link_flags) || status=1
    done
    return $status
}

# The same sources with AddressSanitizer, linked against the same (uninstrumented) library.
test_samples_build_asan() {
    local name status=0
    for name in "${SAMPLES[@]}"; do
        echo "== $name"
        "$CC" "${SAMPLE_FLAGS[@]}" "${ASAN_FLAGS[@]}" "$EXAMPLES/$name.c" -o "$WORK/asan/$name" $(link_flags) || status=1
    done
    return $status
}

# upscale: the sample image, 2x at least, with no Swift directory on LD_LIBRARY_PATH.
sample_upscale() {
    local mode=$1 out="$WORK/upscaled-$1.png"
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    LD_LIBRARY_PATH="$NO_SWIFT_LD_PATH" RECRAFT_API_KEY=test run "$mode" upscale "$SANDBOX_URL" "$SAMPLE" "$out" || return 1
    local in_size out_size
    in_size=($(png_size "$SAMPLE")) && out_size=($(png_size "$out")) || return 1
    echo "input ${in_size[0]}x${in_size[1]}, output ${out_size[0]}x${out_size[1]}"
    [ "${out_size[0]}" -ge $((2 * in_size[0])) ] && [ "${out_size[1]}" -ge $((2 * in_size[1])) ]
}

# upscale with nothing listening on port 9: the job fails (network), the sample says so
# on stderr, exits 1 and writes nothing.
test_upscale_reports_errors() {
    local status=0
    run plain upscale "http://127.0.0.1:9" "$SAMPLE" "$WORK/never.png" 2>"$WORK/upscale-error.txt" || status=$?
    cat "$WORK/upscale-error.txt"
    [ "$status" -eq 1 ] && grep -q '^error: ' "$WORK/upscale-error.txt" && [ ! -e "$WORK/never.png" ]
}

# batch: 20 images, at most 4 in flight, each result saved, each task created once.
sample_batch() {
    local mode=$1 images=() i before after
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    mkdir -p "$WORK/batch-in" "$WORK/batch-$mode"
    for i in $(seq -w 1 20); do
        cp "$SAMPLE" "$WORK/batch-in/image-$i.png"
        images+=("$WORK/batch-in/image-$i.png")
    done
    before=$(sandbox_stat "$SANDBOX_URL" tasksCreated) || return 1
    run "$mode" batch "$SANDBOX_URL" "$WORK/batch-$mode" "${images[@]}" | tee "$WORK/batch-$mode.out" || return 1
    after=$(sandbox_stat "$SANDBOX_URL" tasksCreated) || return 1
    local results
    results=$(find "$WORK/batch-$mode" -name '*.png' | wc -l)
    echo "results: $results, tasks created: $((after - before))"
    grep -q '^20 succeeded, 0 failed, at most [1-4] in flight (limit 4)$' "$WORK/batch-$mode.out" &&
        [ "$results" -eq 20 ] && [ $((after - before)) -eq 20 ]
}

# resume: the first run submits 3 images and dies (_Exit) once the provider has them; the
# second lists the journal, reopens every task and downloads it. The sandbox (tasks take
# 2 s) must have created exactly 3 tasks: nothing was paid twice.
sample_resume() {
    local mode=$1 journal="$WORK/journal-$1.jsonl" out="$WORK/resume-$1" before after
    [ -n "${SLOW_SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    mkdir -p "$out"
    before=$(sandbox_stat "$SLOW_SANDBOX_URL" tasksCreated) || return 1
    run "$mode" resume submit "$SLOW_SANDBOX_URL" "$journal" "$SAMPLE" "$SAMPLE" "$SAMPLE" || return 1
    run "$mode" resume collect "$SLOW_SANDBOX_URL" "$journal" "$out" | tee "$WORK/resume-$mode.out" || return 1
    after=$(sandbox_stat "$SLOW_SANDBOX_URL" tasksCreated) || return 1
    local results reopened
    results=$(find "$out" -name '*.png' | wc -l)
    reopened=$(grep -c ': reopening$' "$WORK/resume-$mode.out")
    echo "reopened: $reopened, results: $results, tasks created: $((after - before))"
    [ "$reopened" -eq 3 ] && [ "$results" -eq 3 ] && [ $((after - before)) -eq 3 ]
}

# wait_any: 6 images whose names hold quotes, a backslash and a space (put into the
# request with recraft_json_quote), at most 4 in flight, each saved under its input's
# name, each task created once.
sample_wait_any() {
    local mode=$1 images=() i before after in="$WORK/wait-any-in-$1" out="$WORK/wait-any-$1"
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    mkdir -p "$in" "$out"
    for i in 1 2 3 4 5 6; do
        cp "$SAMPLE" "$in/my \"best\" \\ photo $i.png"
        images+=("$in/my \"best\" \\ photo $i.png")
    done
    before=$(sandbox_stat "$SANDBOX_URL" tasksCreated) || return 1
    run "$mode" wait_any "$SANDBOX_URL" "$out" "${images[@]}" | tee "$WORK/wait-any-$mode.out" || return 1
    after=$(sandbox_stat "$SANDBOX_URL" tasksCreated) || return 1
    ls "$out"
    grep -q '^6 succeeded, 0 failed$' "$WORK/wait-any-$mode.out" && [ $((after - before)) -eq 6 ] &&
        for i in 1 2 3 4 5 6; do [ -s "$out/my \"best\" \\ photo $i.crisp-upscale.png" ] || return 1; done
}

# event_loop: 5 images driven from a poll() loop on the client's event descriptor.
sample_event_loop() {
    local mode=$1 out="$WORK/event-loop-$1" images=() i
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    mkdir -p "$out"
    for i in 1 2 3 4 5; do images+=("$SAMPLE"); done
    run "$mode" event_loop "$SANDBOX_URL" "$out" "${images[@]}" | tee "$WORK/event-loop-$mode.out" || return 1
    grep -q '^5 succeeded, 0 failed' "$WORK/event-loop-$mode.out" &&
        for i in 1 2 3 4 5; do [ -s "$out/$i.png" ] || return 1; done
}

# memory: input from memory, result into library and caller memory, a cancelling
# progress callback; the saved result is an upscaled PNG.
sample_memory() {
    local mode=$1 out="$WORK/memory-$1.png"
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    run "$mode" memory "$SANDBOX_URL" "$SAMPLE" "$out" || return 1
    local in_size out_size
    in_size=($(png_size "$SAMPLE")) && out_size=($(png_size "$out")) || return 1
    [ "${out_size[0]}" -ge $((2 * in_size[0])) ]
}

# A request with an unescaped quote is refused with the byte offset and what was expected.
test_json_error_offset() {
    cat >"$WORK/json_error.c" <<'CEOF'
#include <stdio.h>
#include <string.h>
#include "recraft.h"
int main(int argc, char **argv)
{
    recraft_client *client = NULL;
    char config[1024];
    snprintf(config, sizeof config, "{\"provider\": \"sandbox\", \"base_url\": \"%s\"}", argc > 1 ? argv[1] : "");
    if (recraft_client_new(config, &client) != RECRAFT_OK) return 1;
    recraft_job *job = NULL;
    /* What snprintf with an unescaped path gives. */
    recraft_status status = recraft_submit(client, "{\"operation\": \"crisp_upscale\", \"image\": \"my \"best\" photo.png\"}", &job);
    printf("%d: %s\n", (int)status, recraft_last_error_message());
    int ok = status == RECRAFT_ERR_INVALID_ARGUMENT && strstr(recraft_last_error_message(), "at byte 45") &&
             strstr(recraft_last_error_message(), "',' or '}'") && job == NULL;
    char *quoted = NULL;
    ok = ok && recraft_json_quote("my \"best\" \\ photo.png", &quoted) == RECRAFT_OK &&
         strcmp(quoted, "\"my \\\"best\\\" \\\\ photo.png\"") == 0;
    printf("quoted: %s\n", quoted ? quoted : "(null)");
    recraft_string_free(quoted);
    recraft_client_free(client);
    return ok ? 0 : 1;
}
CEOF
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude "$WORK/json_error.c" -o "$WORK/json_error" $(link_flags) &&
        "$WORK/json_error" "${SANDBOX_URL:-http://127.0.0.1:9}"
}

# The log callback with redaction (log.c), plainly, under valgrind and ASan.
test_log_callback() {
    local mode=$1 binary="$WORK/log-$1"
    [ -n "${KEYED_SANDBOX_URL:-}" ] || { echo "no sandbox with --api-key"; return 1; }
    local flags=(-std=c11 "${STRICT[@]}" -Iinclude -pthread)
    [ "$mode" = asan ] && flags+=("${ASAN_FLAGS[@]}")
    "$CC" "${flags[@]}" bindings/c/tests/log.c -o "$binary" $(link_flags) || return 1
    case $mode in
        memcheck) "${MEMCHECK[@]}" "$binary" "$KEYED_SANDBOX_URL" "$SAMPLE" "$GOOD_KEY" ;;
        *) "$binary" "$KEYED_SANDBOX_URL" "$SAMPLE" "$GOOD_KEY" ;;
    esac
}

# RECRAFT_LOG=debug writes the log to stderr with no code change (the upscale sample).
test_log_env_switch() {
    [ -n "${KEYED_SANDBOX_URL:-}" ] || { echo "no sandbox with --api-key"; return 1; }
    RECRAFT_LOG=debug RECRAFT_API_KEY=$GOOD_KEY run plain upscale "$KEYED_SANDBOX_URL" "$SAMPLE" "$WORK/log-env.png" \
        2>"$WORK/log-env.err" || { cat "$WORK/log-env.err"; return 1; }
    cat "$WORK/log-env.err"
    grep -q '^recraft debug: submit POST 127.0.0.1:[0-9]* /.* -> 200 in [0-9]* ms$' "$WORK/log-env.err" &&
        grep -q '^recraft info: job .* -> succeeded$' "$WORK/log-env.err" && ! grep -q "$GOOD_KEY" "$WORK/log-env.err"
}

# errors: each family gives its code (the program checks them and exits 1 otherwise).
sample_errors() {
    [ -n "${SANDBOX_URL:-}" ] && [ -n "${KEYED_SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    (cd "$WORK" && run "$1" errors "$SANDBOX_URL" "$KEYED_SANDBOX_URL" "$SAMPLE")
}

# The checkers catch what they are here to catch: a planted overflow and a planted leak.
test_checkers_catch_planted_bugs() {
    cat >"$WORK/planted.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    (void)argv;
    char *p = malloc(8);
    if (argc > 1) memset(p, 0, 9); /* overflow, with an argument */
    p = malloc(16);                /* the first block is lost for good */
    p[0] = 1;
    return p[0] - 1;
}
EOF
    "$CC" -std=c11 -O0 -g "$WORK/planted.c" -o "$WORK/planted" || return 1
    "$CC" -std=c11 -O0 "${ASAN_FLAGS[@]}" "$WORK/planted.c" -o "$WORK/planted-asan" || return 1
    local status
    status=0; "${MEMCHECK[@]}" "$WORK/planted" 2>/dev/null || status=$?
    echo "memcheck, a definite leak: exit $status"; [ "$status" -eq 99 ] || return 1
    status=0; "${MEMCHECK[@]}" "$WORK/planted" overflow 2>/dev/null || status=$?
    echo "memcheck, an overflow: exit $status"; [ "$status" -eq 99 ] || return 1
    status=0; "$WORK/planted-asan" 2>/dev/null || status=$?
    echo "asan, a definite leak: exit $status"; [ "$status" -eq 98 ] || return 1
    status=0; "$WORK/planted-asan" overflow 2>/dev/null || status=$?
    echo "asan, an overflow: exit $status"; [ "$status" -eq 98 ] || return 1
}

# --- every export with bad input ---------------------------------------------------------

test_boundary() {
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    "$CC" -std=c11 "${STRICT[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/boundary.c -pthread \
        -o "$WORK/boundary" $(link_flags) || return 1
    TMPDIR=$WORK "$WORK/boundary" "$SANDBOX_URL" "$SAMPLE"
}

# The same program under valgrind's memcheck: no invalid read or write, no use of freed
# memory, no definite leak, whatever the checks themselves say (test boundary reports those).
test_boundary_memcheck() {
    command -v valgrind >/dev/null || { echo "valgrind is missing: run make deps"; return 1; }
    [ -x "$WORK/boundary" ] || { echo "boundary did not build"; return 1; }
    local status=0
    TMPDIR=$WORK "${MEMCHECK[@]}" "$WORK/boundary" "$SANDBOX_URL" "$SAMPLE" >"$WORK/memcheck.out" || status=$?
    echo "boundary under valgrind exited $status (0 or 1: no memory error; 99: memory errors above)"
    [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

test_boundary_asan() {
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    "$CC" -std=c11 "${STRICT[@]}" "${ASAN_FLAGS[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/boundary.c \
        -pthread -o "$WORK/boundary-asan" $(link_flags) || return 1
    local status=0
    TMPDIR=$WORK "$WORK/boundary-asan" "$SANDBOX_URL" "$SAMPLE" >"$WORK/boundary-asan.out" || status=$?
    echo "boundary under AddressSanitizer exited $status (0 or 1: no memory error; 98: ASan report above)"
    [ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

# --- a wrong API key ---------------------------------------------------------------------

test_wrong_api_key() {
    [ -n "${KEYED_SANDBOX_URL:-}" ] || { echo "no sandbox with --api-key"; return 1; }
    "$CC" -std=c11 "${STRICT[@]}" -Iinclude bindings/c/tests/auth.c -o "$WORK/auth" $(link_flags) || return 1
    "$WORK/auth" "$KEYED_SANDBOX_URL" "$SAMPLE" "$GOOD_KEY"
}

# --- make install, pkg-config, make uninstall --------------------------------------------

# Installs into a temporary prefix (through DESTDIR, as a package build does), builds the
# upscale sample out of the tree with nothing but `pkg-config --cflags --libs recraft`,
# and runs it against the sandbox from the installed library.
test_install_pkg_config() {
    local dest="$WORK/destdir" prefix="$WORK/prefix" build="$WORK/out-of-tree"
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    "$MAKE" -C "$ROOT" --no-print-directory install DESTDIR="$dest" PREFIX=/opt/recraft SKIP_BUILD=1 || return 1
    (cd "$dest" && find . | sort)
    local version; version=$(header_version)
    for f in include/recraft.h "lib/librecraft.so.$version" lib/pkgconfig/recraft.pc bin/recraft; do
        [ -f "$dest/opt/recraft/$f" ] || { echo "DESTDIR install: $f is missing"; return 1; }
    done
    grep -qx 'prefix=/opt/recraft' "$dest/opt/recraft/lib/pkgconfig/recraft.pc" ||
        { echo "DESTDIR leaked into recraft.pc"; return 1; }
    # Stripped, with its debug info beside it where gdb looks (.debug/, by the debuglink).
    local installed="$dest/opt/recraft/lib/librecraft.so.$version"
    # readelf's output goes to files first: `readelf | grep -q` under pipefail fails when
    # grep stops reading at its match and readelf dies of SIGPIPE (it did, once in CI).
    readelf -S "$installed" >"$WORK/installed-sections"
    readelf --string-dump=.gnu_debuglink "$installed" >"$WORK/installed-debuglink"
    readelf -S "$dest/opt/recraft/lib/.debug/librecraft.so.$version.debug" >"$WORK/debug-sections"
    ! grep -q '\.symtab' "$WORK/installed-sections" || { echo "the installed library is not stripped"; return 1; }
    grep -qF "librecraft.so.$version.debug" "$WORK/installed-debuglink" ||
        { echo "the installed library names no debug file"; return 1; }
    grep -q '\.symtab' "$WORK/debug-sections" || { echo "the debug file has no symbols"; return 1; }

    "$MAKE" -C "$ROOT" --no-print-directory install PREFIX="$prefix" SKIP_BUILD=1 || return 1
    local major=${version%%.*}
    [ "$(readlink "$prefix/lib/librecraft.so")" = "librecraft.so.$major" ] &&
        [ "$(readlink "$prefix/lib/librecraft.so.$major")" = "librecraft.so.$version" ] ||
        { echo "the symlinks are not librecraft.so -> .so.MAJOR -> .so.$version"; ls -l "$prefix/lib"; return 1; }
    export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
    echo "pkg-config: version $(pkg-config --modversion recraft), $(pkg-config --cflags --libs recraft)"
    [ "$(pkg-config --modversion recraft)" = "$version" ] || { echo "recraft.pc's version is not $version"; return 1; }
    mkdir -p "$build"
    cp "$EXAMPLES/upscale.c" "$EXAMPLES/common.h" "$build/"
    (cd "$build" && "$CC" -std=c11 "${STRICT[@]}" upscale.c -o upscale $(pkg-config --cflags --libs recraft) \
        -Wl,-rpath,"$(pkg-config --variable=libdir recraft)") || return 1
    LD_LIBRARY_PATH="$NO_SWIFT_LD_PATH" ldd "$build/upscale" | grep librecraft
    LD_LIBRARY_PATH="$NO_SWIFT_LD_PATH" ldd "$build/upscale" | grep -qF "librecraft.so.$major => $prefix/lib/librecraft.so.$major " ||
        { echo "the program does not load the installed library"; return 1; }
    LD_LIBRARY_PATH="$NO_SWIFT_LD_PATH" "$build/upscale" "$SANDBOX_URL" "$SAMPLE" "$build/upscaled.png" || return 1
    [ -s "$build/upscaled.png" ] || return 1
    "$prefix/bin/recraft" --help >/dev/null || { echo "the installed recraft command does not run"; return 1; }

    "$MAKE" -C "$ROOT" --no-print-directory uninstall PREFIX="$prefix" || return 1
    local left; left=$(find "$prefix" -not -type d)
    [ -z "$left" ] || { echo "make uninstall left: $left"; return 1; }
}

# --- a clean exit ------------------------------------------------------------------------

# A program must end with status 0 and no signal whether it frees everything first or
# returns / calls exit() while jobs are in flight (the library's threads still inside
# libcurl when the C library's exit handlers run). Each mode runs EXIT_RUNS times plainly
# and EXIT_MEMCHECK_RUNS times under valgrind, two at a time; any run that crashed, hung
# (60 s plainly, 300 s under valgrind) or exited non-zero fails the test. Under valgrind,
# the modes that free what they made (free-then-return, free-in-flight) are held to the
# full MEMCHECK (no definite leak either); the others add --leak-check=no (what a program
# that never freed its jobs leaves is not the library's leak), so only a crash or an
# invalid access counts. wait-then-return keeps finished jobs, reachable, to the end: it
# runs a few times under the full MEMCHECK and under ASan's leak checker, which must not
# take the live jobs' Swift side tables for leaks (valgrind-swift.supp, lsan-swift.supp).
EXIT_RUNS=${RECRAFT_EXIT_RUNS:-200}
EXIT_MEMCHECK_RUNS=${RECRAFT_EXIT_MEMCHECK_RUNS:-20}
EXIT_MODES=(free-then-return free-in-flight return-in-flight exit-in-flight exit-from-thread)
EXIT_KEPT_RUNS=4

# The exit tests' own sandbox, with 50 ms tasks (started with the first of them): the
# runs are many, and what matters is that jobs are in flight, not how long they take.
EXIT_SANDBOX_URL=""
build_exit() {
    if [ -z "$EXIT_SANDBOX_URL" ]; then
        sandbox_start EXIT_SANDBOX_URL --task-duration-ms 50 || { echo "could not start the exit tests' sandbox"; return 1; }
    fi
    [ -x "$WORK/exit" ] && [ -x "$WORK/exit-asan" ] && return 0
    "$CC" -std=c11 "${STRICT[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/exit.c -pthread \
        -o "$WORK/exit" $(link_flags) &&
        "$CC" -std=c11 "${STRICT[@]}" "${ASAN_FLAGS[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/exit.c \
            -pthread -o "$WORK/exit-asan" $(link_flags)
}

# exit_runs MODE COUNT LIMIT_S [WRAPPER...]: runs `WRAPPER... $EXIT_BINARY MODE SANDBOX
# SAMPLE` COUNT times, at most two at once, and tallies how each run ended.
exit_runs() {
    local mode=$1 count=$2 limit=$3 binary=${EXIT_BINARY:-$WORK/exit}; shift 3
    local dir started=$SECONDS
    dir=$(mktemp -d "$WORK/exit-$mode.XXXXXX")
    # (exec 2>/dev/null: the wrapping shell's own "Segmentation fault" notices stay out of the log.)
    seq 1 "$count" | xargs -P2 -I{} bash -c \
        'exec 2>/dev/null; ulimit -c 0; d=$1 n=$2 t=$3; shift 3; timeout -k 5 "$t" "$@" >"$d/$n.log" 2>&1; echo $? >"$d/$n.rc"' \
        _ "$dir" {} "$limit" "$@" "$binary" "$mode" "$EXIT_SANDBOX_URL" "$SAMPLE"
    local f rc runs=0 clean=0 crashed=0 hung=0 memory=0 other=0 statuses="" shown=" "
    for f in "$dir"/*.rc; do
        [ -e "$f" ] || continue
        rc=$(<"$f"); runs=$((runs + 1))
        case $rc in
            0) clean=$((clean + 1)); continue ;;
            124 | 137) hung=$((hung + 1)); statuses+=" hung" ;;
            99) memory=$((memory + 1)); statuses+=" memcheck-error(99)" ;;
            *) if [ "$rc" -gt 128 ]; then
                   crashed=$((crashed + 1)); statuses+=" SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
               else
                   other=$((other + 1)); statuses+=" exit-$rc"
               fi ;;
        esac
        # The output of the first failed run of each status (under valgrind: where it died).
        case $shown in *" $rc "*) continue ;; esac
        shown+="$rc "
        echo "a failed run (${f%.rc}.log, status $rc):"
        if grep -q 'Process terminating' "${f%.rc}.log"; then
            grep -A 14 'Process terminating' "${f%.rc}.log" | cut -c1-200 | sed 's/^/    | /'
        else
            head -n 15 "${f%.rc}.log" | cut -c1-200 | sed 's/^/    | /'
        fi
    done
    echo "exit $mode${1:+ under ${1##*/}}: $runs runs in $((SECONDS - started)) s: $clean clean, $crashed crashed, $hung hung," \
        "$memory with memcheck errors, $other other failures"
    if [ -n "$statuses" ]; then
        echo "    failed runs by status:$(echo "$statuses" | tr ' ' '\n' | sed '/^$/d' | sort | uniq -c | awk '{printf " %s x%d", $2, $1}')"
    fi
    [ "$runs" -eq "$count" ] && [ "$clean" -eq "$count" ]
}

test_exit_plain() {
    build_exit || return 1
    exit_runs "$1" "$EXIT_RUNS" 60
}

test_exit_memcheck() {
    command -v valgrind >/dev/null || { echo "valgrind is missing: run make deps"; return 1; }
    build_exit || return 1
    case $1 in
        free-then-return | free-in-flight) exit_runs "$1" "$EXIT_MEMCHECK_RUNS" 300 "${MEMCHECK[@]}" ;;
        wait-then-return) exit_runs "$1" "$EXIT_KEPT_RUNS" 300 "${MEMCHECK[@]}" ;;
        *) exit_runs "$1" "$EXIT_MEMCHECK_RUNS" 300 "${MEMCHECK[@]}" --leak-check=no ;;
    esac
}

# An ASan build (leak checker on: a leak exits 98).
test_exit_asan() {
    build_exit || return 1
    EXIT_BINARY=$WORK/exit-asan exit_runs "$1" "$EXIT_KEPT_RUNS" 120
}

# --- fork ----------------------------------------------------------------------------------

# fork.c MODE: the child of a process that used the library (parent-client: on the
# parent's client; new-client: on a client of its own) must succeed or fail clearly, and
# never hang (alarm(60) in the child); with no use before fork (fresh) it must succeed.
# The parent's own jobs must still work after the child ended.
test_fork() {
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    [ -x "$WORK/fork" ] || "$CC" -std=c11 "${STRICT[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/fork.c \
        -pthread -o "$WORK/fork" $(link_flags) || return 1
    timeout -k 5 300 "$WORK/fork" "$1" "$SANDBOX_URL" "$SAMPLE"
}

# --- hostile input -------------------------------------------------------------------------

# hostile.c runs each case of a group in its own process (4 at once) and fails a case
# that crashed (a signal), hung, or gave the wrong answer; see its header for the cases.
test_hostile() {
    local group=$1 ra_url=http://127.0.0.1:9
    [ -n "${SANDBOX_URL:-}" ] || { echo "no sandbox"; return 1; }
    [ -x "$WORK/hostile" ] || "$CC" -std=c11 "${STRICT[@]}" -D_POSIX_C_SOURCE=200809L -Iinclude bindings/c/tests/hostile.c \
        -o "$WORK/hostile" $(link_flags) || return 1
    if [ "$group" = retry_after ]; then
        start_retry_after_server ra_url || return 1
    fi
    mkdir -p "$WORK/hostile-$group"
    RECRAFT_HOSTILE_ONLY="$group/" timeout -k 5 900 "$WORK/hostile" all "$SANDBOX_URL" "$ra_url" "$SAMPLE" \
        "$WORK/hostile-$group" 4
}

# Starts retry_after_server.py and sets $1 to its base URL.
start_retry_after_server() {
    local out="$WORK/retry-after-server.out" url="" i
    python3 bindings/c/tests/retry_after_server.py >"$out" 2>"$WORK/retry-after-server.err" </dev/null &
    EXTRA_PIDS+=("$!")
    for i in $(seq 1 100); do
        url=$(head -n 1 "$out" 2>/dev/null || true)
        case "$url" in http://*) break ;; esac
        url=""
        sleep 0.1
    done
    [ -n "$url" ] || { echo "retry_after_server.py printed no URL:"; cat "$WORK/retry-after-server.err"; return 1; }
    printf -v "$1" '%s' "$url"
}

# --------------------------------------------------------------------------------------------

[ -f "$LIB" ] || { echo "not ok setup: $LIB is missing: run make build"; echo "0 passed, 1 failed"; exit 1; }

SANDBOX_URL=""
KEYED_SANDBOX_URL=""
SLOW_SANDBOX_URL=""
sandbox_start SANDBOX_URL --task-duration-ms 300 || echo "could not start the sandbox ($RECRAFT_CLI)"
sandbox_start KEYED_SANDBOX_URL --task-duration-ms 100 --api-key "$GOOD_KEY" || echo "could not start the keyed sandbox"
sandbox_start SLOW_SANDBOX_URL --task-duration-ms 2000 || echo "could not start the slow sandbox"
echo "sandboxes: ${SANDBOX_URL:-none}, with --api-key ${KEYED_SANDBOX_URL:-none}, slow ${SLOW_SANDBOX_URL:-none}"

run_test header_c11 test_header_c11
run_test header_cxx17 test_header_cxx17
run_test header_twice_c11 test_header_twice_c11
run_test header_twice_cxx17 test_header_twice_cxx17
run_test version_macros test_version_macros
run_test abi_frozen test_abi_frozen
run_test symbols_match_header test_symbols_match_header
run_test needed_libraries test_needed_libraries
run_test no_swift_runtime_linked test_no_swift_runtime_linked
run_test soname test_soname
run_test checkers_catch_planted_bugs test_checkers_catch_planted_bugs
run_test samples_build test_samples_build
run_test samples_build_asan test_samples_build_asan
for mode in plain memcheck asan; do
    for name in "${SAMPLES[@]}"; do
        run_test "${name}_$mode" "sample_$name" "$mode"
    done
done
run_test upscale_reports_errors test_upscale_reports_errors
run_test json_error_offset test_json_error_offset
for mode in plain memcheck asan; do
    run_test "log_callback_$mode" test_log_callback "$mode"
done
run_test log_env_switch test_log_env_switch
run_test boundary test_boundary
run_test boundary_memcheck test_boundary_memcheck
run_test boundary_asan test_boundary_asan
run_test wrong_api_key test_wrong_api_key
run_test install_pkg_config test_install_pkg_config
for mode in "${EXIT_MODES[@]}"; do
    run_test "exit_${mode//-/_}" test_exit_plain "$mode"
done
for mode in "${EXIT_MODES[@]}"; do
    run_test "exit_${mode//-/_}_memcheck" test_exit_memcheck "$mode"
done
run_test exit_wait_then_return_memcheck test_exit_memcheck wait-then-return
run_test exit_wait_then_return_asan test_exit_asan wait-then-return
run_test fork_parent_client test_fork parent-client
run_test fork_new_client test_fork new-client
run_test fork_fresh test_fork fresh
for group in config image callback retry_after; do
    run_test "hostile_$group" test_hostile "$group"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
