"""Client.resume() without a journal_path reads the shared store's ledger: it collects, by
task id and paying nothing again, the jobs another process left running (a C program,
which keeps no journal file), or another machine (a HOME of its own, one PostgreSQL);
jobs of no batch planned here are saved beside their input under the CLI's names, and
the inputs a batch on this machine never started are listed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

import recraft
from conftest import PYTHON_DIR, ROOT, SAMPLE, Sandbox
from postgres import Postgres

C_BATCH = ROOT / "out" / "bin" / "batch"
KEY = "resume-test-key"


def inputs(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for index in range(count):
        path = folder / f"image{index}.png"
        shutil.copyfile(SAMPLE, path)
        paths.append(path)
    return paths


def kill_once_accepted(worker: subprocess.Popen[str], client: Any, count: int) -> None:
    """SIGKILLs the worker once the ledger (read through ``client``, on the same store)
    has ``count`` of its jobs accepted: their task ids are recorded, none is mid-request."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and worker.poll() is None:
        if sum(1 for e in client.journal()["entries"] if e.get("task_id")) >= count:
            break
        time.sleep(0.05)
    assert worker.poll() is None, f"the worker ended early: {worker.communicate()[1][-3000:]}"
    worker.kill()
    worker.communicate(timeout=60)


def collect(jobs: list[recraft.Job]) -> list[str]:
    saved = []
    for job in jobs:
        with job:
            assert job.wait(timeout=120) == recraft.JobState.SUCCEEDED
            saved.append(job.download())
    return sorted(saved)


def test_resume_collects_the_jobs_a_killed_c_program_left_in_the_ledger(slow_sandbox: Sandbox, tmp_path: Path) -> None:
    # The C sample journals nowhere but in the store's ledger (no journal_path); it runs
    # 4 at a time, on the same default store (XDG_STATE_HOME) and account (key) as here.
    if not C_BATCH.is_file():
        pytest.fail(f"{C_BATCH} is missing: run `make build`", pytrace=False)
    images = inputs(tmp_path / "in", 6)
    (tmp_path / "out").mkdir()
    created = slow_sandbox.stats()["tasksCreated"]
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key=KEY, poll_initial_ms=50) as client:
        worker = subprocess.Popen([str(C_BATCH), slow_sandbox.url, str(tmp_path / "out"), *map(str, images)],
                                  env={**os.environ, "RECRAFT_API_KEY": KEY}, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        kill_once_accepted(worker, client, 4)
        assert slow_sandbox.stats()["tasksCreated"] == created + 4
        jobs = client.resume()
        assert sorted(job.image or "" for job in jobs) == [str(path) for path in images[:4]]
        assert jobs.uncertain == []
        saved = collect(jobs)
    # Beside each input, named as `recraft resume` names it; nothing was created again.
    assert saved == [str(tmp_path / "in" / f"image{index}.crisp-upscale.png") for index in range(4)]
    assert slow_sandbox.stats()["tasksCreated"] == created + 4


PYTHON_BATCH = """
import sys
sys.path.insert(0, sys.argv[1])
import recraft
url, key, out, *images = sys.argv[2:]
with recraft.Client("sandbox", base_url=url, api_key=key, poll_initial_ms=50) as client:
    client.batch("crisp_upscale", images, concurrency=2, output_dir=out, progress=False)
"""


def python_batch(sandbox: Sandbox, images: list[Path], out: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", PYTHON_BATCH, str(PYTHON_DIR), sandbox.url, KEY, str(out),
                             *map(str, images)], env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_resume_in_another_process_uses_the_batchs_names_and_lists_what_never_started(slow_sandbox: Sandbox,
                                                                                        tmp_path: Path) -> None:
    images = inputs(tmp_path / "in", 4)
    out = tmp_path / "out"
    created = slow_sandbox.stats()["tasksCreated"]
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key=KEY, poll_initial_ms=50) as client:
        kill_once_accepted(python_batch(slow_sandbox, images, out, {}), client, 2)
        jobs = client.resume()
        assert sorted(job.image or "" for job in jobs) == [str(images[0]), str(images[1])]
        assert jobs.not_started == [str(images[2]), str(images[3])] and jobs.uncertain == []
        saved = collect(jobs)
    assert saved == [str(out / "image0.crisp-upscale.png"), str(out / "image1.crisp-upscale.png")]
    assert slow_sandbox.stats()["tasksCreated"] == created + 2


def test_resume_on_another_machine_collects_from_the_postgresql_ledger(slow_sandbox: Sandbox, tmp_path: Path,
                                                                       postgres: Postgres) -> None:
    # Machine A: a HOME (and state folder) of its own; only the PostgreSQL URL is shared.
    home = tmp_path / "machine-a"
    env = {"HOME": str(home), "XDG_STATE_HOME": str(home / ".local" / "state"), "RECRAFT_STORE": postgres.url}
    images = inputs(tmp_path / "in", 4)
    created = slow_sandbox.stats()["tasksCreated"]
    # Machine B, here: its own state folder (the tests' private one), the same store.
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key=KEY, poll_initial_ms=50,
                        store=postgres.url) as client:
        kill_once_accepted(python_batch(slow_sandbox, images, tmp_path / "out", env), client, 2)
        jobs = client.resume()
        assert sorted(job.image or "" for job in jobs) == [str(images[0]), str(images[1])]
        # The batch's plan (its output folder, its inputs never started) stayed on machine
        # A; the ledger knows the jobs only: they are saved beside their inputs.
        assert jobs.not_started == [] and jobs.uncertain == []
        saved = collect(jobs)
    assert saved == [str(images[0].with_name("image0.crisp-upscale.png")),
                     str(images[1].with_name("image1.crisp-upscale.png"))]
    assert slow_sandbox.stats()["tasksCreated"] == created + 2


def test_a_job_reopened_by_task_id_ends_its_row_in_the_postgresql_ledger(sandbox: Sandbox, postgres: Postgres) -> None:
    # Its end must reach the task's row, or a second resume() would collect it again (on
    # PostgreSQL the end once failed: a NULL error code sent as text for a BIGINT column).
    with recraft.Client("sandbox", base_url=sandbox.url, api_key=KEY, store=postgres.url) as client:
        job = client.submit("crisp_upscale", str(SAMPLE))
        deadline = time.monotonic() + 60
        while job.id is None and time.monotonic() < deadline:
            time.sleep(0.01)
        task_id = job.id
        job.cancel()  # stopped locally: in flight in the ledger
        job.close()
        with client.open_job("crisp_upscale", str(task_id)) as reopened:
            assert reopened.wait(timeout=60) == recraft.JobState.SUCCEEDED
        assert [e["status"] for e in client.journal()["entries"] if e.get("task_id") == task_id] == ["succeeded"]
