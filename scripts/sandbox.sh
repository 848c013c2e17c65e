# Shell helpers to run the sandbox (the local provider emulator) for tests and the demo.
# Source this file; it defines:
#
#   sandbox_start VAR [ARGS...]   start `recraft-cli sandbox --port 0 ARGS...` on loopback;
#                                 sets $VAR to its base URL and remembers its pid
#   sandbox_stop_all              stop every sandbox this shell started (call it from a trap)
#   png_size FILE                 print "WIDTH HEIGHT" read from a PNG's IHDR, or fail
#
# RECRAFT_CLI names the recraft-cli binary (default .build/debug/recraft-cli).

RECRAFT_CLI=${RECRAFT_CLI:-.build/debug/recraft-cli}
SANDBOX_PIDS=()
SANDBOX_LOG_DIR=${SANDBOX_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/recraft-sandbox.XXXXXX")}

sandbox_start() {
    local var=$1; shift
    if [ ! -x "$RECRAFT_CLI" ]; then
        echo "sandbox: $RECRAFT_CLI is missing: run make build (or set RECRAFT_CLI)" >&2
        return 1
    fi
    local n=${#SANDBOX_PIDS[@]}
    local out="$SANDBOX_LOG_DIR/sandbox-$n.out" err="$SANDBOX_LOG_DIR/sandbox-$n.err"
    "$RECRAFT_CLI" sandbox --port 0 "$@" >"$out" 2>"$err" </dev/null &
    local pid=$!
    SANDBOX_PIDS+=("$pid")
    # The base URL is the first line of stdout.
    local url="" i
    for i in $(seq 1 300); do
        url=$(head -n 1 "$out" 2>/dev/null || true)
        case "$url" in http://*) break ;; esac
        url=""
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "sandbox: exited before printing its URL:" >&2
            cat "$err" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ -z "$url" ]; then
        echo "sandbox: no URL on its first line after 30 s (stdout: $(head -c 200 "$out"))" >&2
        return 1
    fi
    printf -v "$var" '%s' "$url"
}

sandbox_stop_all() {
    local pid
    for pid in "${SANDBOX_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SANDBOX_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    SANDBOX_PIDS=()
}

png_size() {
    local file=$1 bytes
    # Signature (8) + IHDR length (4) + "IHDR" (4), then width and height, big-endian.
    if [ "$(head -c 16 "$file" 2>/dev/null | od -An -tx1 | tr -d ' \n')" != "89504e470d0a1a0a0000000d49484452" ]; then
        echo "png_size: $file is not a PNG" >&2
        return 1
    fi
    bytes=($(od -An -tu1 -j16 -N8 "$file"))
    echo "$(( (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3] ))" \
         "$(( (bytes[4] << 24) | (bytes[5] << 16) | (bytes[6] << 8) | bytes[7] ))"
}
