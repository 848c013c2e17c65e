"""The library in processes forked by multiprocessing (start method 'fork').

Each test runs fork_helper.py in a fresh interpreter (so the parent has done exactly
what the test says with the library before forking; this pytest process has used it
everywhere), which runs a Pool of 2 fork workers and collects them with
apply_async(...).get(timeout) against one deadline: a hung worker fails the test.

- fresh parent (it only imported recraft): each worker's own Client must work;
- the parent ran a job first, workers create their own clients: each must work or raise
  a clear recraft.RecraftError (a message saying what happened), never hang;
- the same, with the workers on the parent's Client;
and in both of the last two, the parent's own client must still work after the fork.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import PYTHON_DIR, SAMPLE, Sandbox, png_size

HELPER = Path(__file__).resolve().parent / "fork_helper.py"
#: How long the workers get, together; a job on the sandbox takes well under 5 s.
DEADLINE_S = 45.0


def run_helper(mode: str, sandbox: Sandbox, tmp_path: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PYTHON_DIR), env.get("PYTHONPATH", "")) if p)
    try:
        done = subprocess.run([sys.executable, str(HELPER), mode, sandbox.url, str(SAMPLE), str(tmp_path), str(DEADLINE_S)],
                              capture_output=True, text=True, timeout=DEADLINE_S + 120, env=env)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"fork_helper.py {mode} did not finish in {DEADLINE_S + 120:.0f} s (the parent hung); "
                    f"stdout: {error.stdout!r}, stderr: {error.stderr!r}")
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and lines, (
        f"fork_helper.py {mode} exited {done.returncode}; stdout: {done.stdout[-2000:]}; stderr: {done.stderr[-2000:]}")
    report: dict[str, Any] = json.loads(lines[-1])
    print(f"{mode}: {json.dumps(report, indent=1)}")  # shown with -s or on failure: today's behaviour
    return report


def describe(worker: dict[str, Any]) -> str:
    if worker["outcome"] == "hang":
        return f"hung (no result within {DEADLINE_S:.0f} s)"
    if worker["outcome"] == "error":
        return f"raised {worker['type']} (code {worker['code']}) after {worker['seconds']} s: {worker['message']}"
    return json.dumps(worker)


def assert_worked_or_clear_error(report: dict[str, Any]) -> None:
    for index, worker in enumerate(report["workers"]):
        outcome = worker["outcome"]
        assert outcome in ("succeeded", "error"), f"worker {index}: {describe(worker)}"
        if outcome == "succeeded":
            assert png_size(worker["path"])[0] > 0
        else:
            assert worker["message"].strip(), f"worker {index} raised {worker['type']} with no message"


def assert_parent_still_works(report: dict[str, Any]) -> None:
    assert report["parent_before"]["outcome"] == "succeeded", report["parent_before"]
    assert report["parent_after"]["outcome"] == "succeeded", f"the parent after the fork: {report['parent_after']}"


def test_fork_workers_with_their_own_clients_from_a_fresh_parent(sandbox: Sandbox, tmp_path: Path) -> None:
    report = run_helper("fresh", sandbox, tmp_path)
    for index, worker in enumerate(report["workers"]):
        assert worker["outcome"] == "succeeded", f"worker {index}: {describe(worker)}"
        assert png_size(worker["path"])[0] >= 2 * png_size(SAMPLE)[0]


def test_fork_workers_with_their_own_clients_after_the_parent_ran_a_job(sandbox: Sandbox, tmp_path: Path) -> None:
    report = run_helper("used-parent", sandbox, tmp_path)
    assert_worked_or_clear_error(report)
    assert_parent_still_works(report)


def test_fork_workers_on_the_parents_client(sandbox: Sandbox, tmp_path: Path) -> None:
    report = run_helper("shared-client", sandbox, tmp_path)
    assert_worked_or_clear_error(report)
    assert_parent_still_works(report)


def test_fork_workers_on_a_client_the_parent_made_but_did_not_use(sandbox: Sandbox, tmp_path: Path) -> None:
    """gunicorn --preload, Celery prefork: the client is made before the fork; each worker
    uses it, and it makes itself a new transport there. Every worker must succeed."""
    report = run_helper("preloaded-client", sandbox, tmp_path)
    for index, worker in enumerate(report["workers"]):
        assert worker["outcome"] == "succeeded", f"worker {index}: {describe(worker)}"
    assert_parent_still_works(report)
