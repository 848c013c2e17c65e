"""Run by test_fork.py in a fresh interpreter, so that what the parent did with the library
before fork() is exactly what the mode says (the pytest process itself has used it a lot).

    python fork_helper.py MODE SANDBOX_URL SAMPLE OUT_DIR DEADLINE_S

MODE:
  fresh          the parent imports recraft and creates nothing, then forks a pool of 2;
                 each worker creates its own Client and runs crisp_upscale;
  used-parent    the parent creates a Client and runs a job to the end first, then forks a
                 pool of 2 whose workers create their own clients;
  shared-client  as used-parent, but the workers use the parent's Client.

Workers are multiprocessing workers with the 'fork' start method, and the parent collects
them with apply_async(...).get(timeout) against one deadline, so a hung worker is seen.
Afterwards the parent runs one more job on its own client (used-parent, shared-client).
Prints one JSON object on its last line of stdout:
  {"mode", "workers": [{"outcome": "succeeded"|"error"|"hang", "type", "message", "seconds"}],
   "parent_before": ..., "parent_after": ...}
and leaves with os._exit(0), so a crash at interpreter exit (a separate bug) is not
taken for a fork failure.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import recraft  # noqa: E402

_parent_client: Optional[recraft.Client] = None


def _config(url: str) -> dict[str, Any]:
    return {"provider": "sandbox", "base_url": url, "api_key": "fork-test", "poll_initial_ms": 20, "poll_max_ms": 200}


def run_one(client: recraft.Client, sample: str, output: str) -> dict[str, Any]:
    """crisp_upscale once; what happened, as plain data (exceptions may not pickle)."""
    started = time.monotonic()
    try:
        result = client.crisp_upscale(sample, output)
        return {"outcome": "succeeded", "path": str(result.path), "seconds": round(time.monotonic() - started, 2)}
    except recraft.RecraftError as error:
        return {"outcome": "error", "type": type(error).__name__, "code": error.code, "message": error.message,
                "seconds": round(time.monotonic() - started, 2)}
    except Exception as error:  # not a RecraftError: not a clear error
        return {"outcome": "other-exception", "type": type(error).__name__, "message": str(error),
                "seconds": round(time.monotonic() - started, 2)}


def worker_own_client(url: str, sample: str, output: str) -> dict[str, Any]:
    try:
        client = recraft.Client(**_config(url))
    except recraft.RecraftError as error:
        return {"outcome": "error", "type": type(error).__name__, "code": error.code, "message": error.message,
                "where": "Client()", "seconds": 0}
    with client:
        return run_one(client, sample, output)


def worker_shared_client(url: str, sample: str, output: str) -> dict[str, Any]:
    assert _parent_client is not None
    return run_one(_parent_client, sample, output)


def main() -> None:
    global _parent_client
    mode, url, sample, out_dir, deadline_s = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
    report: dict[str, Any] = {"mode": mode, "library": recraft.library_version()}
    if mode in ("used-parent", "shared-client"):
        _parent_client = recraft.Client(**_config(url))
        report["parent_before"] = run_one(_parent_client, sample, os.path.join(out_dir, "parent-before.png"))
    elif mode == "preloaded-client":
        # gunicorn --preload, Celery prefork: a client made at import, used only in workers.
        _parent_client = recraft.Client(**_config(url))
        report["parent_before"] = {"outcome": "succeeded"}
    target = worker_shared_client if mode in ("shared-client", "preloaded-client") else worker_own_client
    context = multiprocessing.get_context("fork")
    pool = context.Pool(2)
    pending = [pool.apply_async(target, (url, sample, os.path.join(out_dir, f"worker-{i}.png"))) for i in range(2)]
    deadline = time.monotonic() + deadline_s
    workers: list[dict[str, Any]] = []
    for item in pending:
        try:
            workers.append(item.get(timeout=max(0.1, deadline - time.monotonic())))
        except multiprocessing.TimeoutError:
            workers.append({"outcome": "hang", "seconds": deadline_s})
        except Exception as error:  # the worker died (a crash) or its result did not come back
            workers.append({"outcome": "worker-died", "type": type(error).__name__, "message": str(error)})
    report["workers"] = workers
    pool.terminate()  # kills hung workers
    pool.join()
    if _parent_client is not None:
        report["parent_after"] = run_one(_parent_client, sample, os.path.join(out_dir, "parent-after.png"))
        _parent_client.close()
    print(json.dumps(report), flush=True)
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
