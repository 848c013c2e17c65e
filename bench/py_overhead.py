#!/usr/bin/env python3
"""ns per call of librecraft functions that do no I/O, from Python: through bare ctypes
declarations (the floor of any binding) and through the package's Job.poll().

    RECRAFT_LIBRARY=out/lib/librecraft.so py_overhead.py BASE_URL IMAGE_URL ITERATIONS

Prints one JSON object on stdout.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bindings" / "python"))


def per_call_ns(fn, iterations: int) -> float:
    for _ in range(iterations // 10):
        fn()
    t0 = time.perf_counter_ns()
    for _ in range(iterations):
        fn()
    return (time.perf_counter_ns() - t0) / iterations


def main() -> int:
    base, image, iterations = sys.argv[1], sys.argv[2], int(sys.argv[3])
    config = json.dumps({"provider": "sandbox", "base_url": base}).encode()
    request = json.dumps({"operation": "crisp_upscale", "image": image}).encode()

    lib = ctypes.CDLL(os.environ["RECRAFT_LIBRARY"])
    lib.recraft_version.restype = ctypes.c_char_p
    lib.recraft_version.argtypes = []
    lib.recraft_client_new.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.recraft_submit.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
    lib.recraft_job_wait.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.POINTER(ctypes.c_int32)]
    lib.recraft_job_poll.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int32)]
    lib.recraft_job_poll.restype = ctypes.c_int32
    lib.recraft_job_free.argtypes = [ctypes.c_void_p]
    lib.recraft_client_free.argtypes = [ctypes.c_void_p]

    client, job, state = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_int32()
    assert lib.recraft_client_new(config, ctypes.byref(client)) == 0
    assert lib.recraft_submit(client, request, ctypes.byref(job)) == 0
    lib.recraft_job_wait(job, 60000, ctypes.byref(state))
    state_ref = ctypes.byref(state)
    result = {
        "iterations": iterations,
        "ctypes_version_ns": per_call_ns(lambda: lib.recraft_version(), iterations),
        "ctypes_job_poll_ns": per_call_ns(lambda: lib.recraft_job_poll(job, state_ref), iterations),
    }
    lib.recraft_job_free(job)
    lib.recraft_client_free(client)

    import recraft  # the package, as a user calls it

    with recraft.Client(provider="sandbox", base_url=base) as package_client:
        package_job = package_client.submit("crisp_upscale", image)
        package_job.wait(timeout=60)
        result["package_job_poll_ns"] = per_call_ns(package_job.poll, iterations)
        result["package_library_version_ns"] = per_call_ns(recraft.library_version, iterations)
        package_job.close()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
