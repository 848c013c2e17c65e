"""One account, many processes: the shared store keeps the provider's documented limits
across processes of every kind (Python, C, the CLI) and machines (a HOME each, one
PostgreSQL), survives the store's restart, fails closed when it is down, and routes a
callback received by one process to the job another one waits on.

Every test runs its own sandbox enforcing every documented limit (`--limits documented`)
and counts the 429s it answered.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, SAMPLE, Sandbox
from postgres import Postgres

import recraft

KEY = "shared-store-key"
WORKER = Path(__file__).with_name("store_worker.py")
CLI = Path(os.environ.get("RECRAFT_CLI", ROOT / ".build" / "debug" / "recraft-cli"))
C_BATCH = ROOT / "out" / "bin" / "batch"


@pytest.fixture()
def limited() -> Iterator[Sandbox]:
    sandbox = Sandbox("--limits", "documented", "--task-duration-ms", "300")
    yield sandbox
    sandbox.stop()


def inputs(folder: Path, count: int) -> list[str]:
    folder.mkdir(parents=True)
    paths = []
    for index in range(count):
        path = folder / f"image{index}.png"
        shutil.copyfile(SAMPLE, path)
        paths.append(str(path))
    return paths


def worker(kind: str, sandbox: Sandbox, images: list[str], outdir: Path, env: dict[str, str],
           provider: str = "kie", base_url: str | None = None) -> subprocess.Popen[str]:
    outdir.mkdir(parents=True, exist_ok=True)
    base_url = base_url or sandbox.url
    if "HOME" in env:  # a HOME of its own is a machine of its own: its state folder too
        env = {**env, "XDG_STATE_HOME": env["HOME"] + "/.local/state"}
    if kind == "python":
        command = [sys.executable, str(WORKER), provider, base_url, str(outdir), *images]
    elif kind == "c":
        if not C_BATCH.is_file():
            pytest.fail(f"{C_BATCH} is missing: run `make build`", pytrace=False)
        command = [str(C_BATCH), base_url, str(outdir), *images]
        env = {**env, "RECRAFT_PROVIDER": provider, "RECRAFT_API_KEY": KEY}
    else:
        command = [str(CLI), "crisp-upscale", *images, "-o", str(outdir) + "/", "--provider", provider,
                   "--base-url", base_url, "--api-key", KEY, "--quiet"]
    return subprocess.Popen(command, env={**os.environ, "RECRAFT_TEST_KEY": KEY, **env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"{process.args[0]} exited {process.returncode}: {err[-3000:]}"


def saved(folder: Path) -> int:
    return sum(1 for path in folder.rglob("*") if path.is_file() and path.stat().st_size > 0)


def run_mix(tmp_path: Path, sandbox: Sandbox, kinds: list[str], per_process: int,
            env_for: dict[int, dict[str, str]] | None = None) -> None:
    processes = []
    for index, kind in enumerate(kinds):
        images = inputs(tmp_path / f"in{index}", per_process)
        env = (env_for or {}).get(index, {"HOME": str(tmp_path / "home")})
        processes.append(worker(kind, sandbox, images, tmp_path / f"out{index}", env))
    finish(processes)
    stats = sandbox.stats()
    total = per_process * len(kinds)
    assert stats["rateLimited"] == 0, stats
    assert stats["tasksCreated"] == total, stats
    assert sum(saved(tmp_path / f"out{index}") for index in range(len(kinds))) == total


def test_four_processes_of_every_kind_on_one_machine_keep_kies_limit(tmp_path: Path, limited: Sandbox) -> None:
    # The default store: the SQLite file under the (shared) HOME; no configuration at all.
    run_mix(tmp_path, limited, ["python", "python", "c", "cli"], 15)
    assert (tmp_path / "home" / ".local" / "state" / "recraft" / "store.sqlite3").is_file()


def test_four_cli_processes_with_default_settings(tmp_path: Path, limited: Sandbox) -> None:
    run_mix(tmp_path, limited, ["cli"] * 4, 15)


def test_many_machines_share_one_postgresql(tmp_path: Path, limited: Sandbox, postgres: Postgres) -> None:
    # A HOME each, as on separate machines: only the PostgreSQL URL is shared.
    env = {index: {"HOME": str(tmp_path / f"home{index}"), "RECRAFT_STORE": postgres.url} for index in range(4)}
    run_mix(tmp_path, limited, ["python", "python", "c", "cli"], 15, env)


def test_a_recraft_batch_keeps_five_per_second_and_a_hundred_per_minute(tmp_path: Path, limited: Sandbox) -> None:
    images = inputs(tmp_path / "in", 110)
    process = worker("cli", limited, images, tmp_path / "out", {"HOME": str(tmp_path / "home")},
                     provider="recraft", base_url=limited.url + "/v1")
    finish([process])
    stats = limited.stats()
    assert stats["rateLimited"] == 0, stats
    assert stats["syncRequests"] == 110, stats
    assert saved(tmp_path / "out") == 110


def test_postgresql_restarting_mid_run(tmp_path: Path, limited: Sandbox, postgres: Postgres) -> None:
    env = {index: {"HOME": str(tmp_path / f"home{index}"), "RECRAFT_STORE": postgres.url} for index in range(2)}
    processes = []
    for index in range(2):
        images = inputs(tmp_path / f"in{index}", 15)
        processes.append(worker("python", limited, images, tmp_path / f"out{index}", env[index]))
    deadline = time.monotonic() + 120
    while limited.stats()["tasksCreated"] < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    postgres.stop("immediate")
    time.sleep(1)
    postgres.start()
    finish(processes)
    stats = limited.stats()
    assert stats["rateLimited"] == 0, stats
    assert stats["tasksCreated"] == 30, stats  # none twice
    assert saved(tmp_path / "out0") + saved(tmp_path / "out1") == 30


def test_store_down_creates_fail_closed(tmp_path: Path, limited: Sandbox) -> None:
    store = "postgresql://recraft@127.0.0.1:1/postgres?connect_timeout=2"
    with recraft.Client("kie", api_key=KEY, base_url=limited.url, store=store, job_timeout=3000 / 1000) as client:
        with pytest.raises(recraft.StoreUnavailableError) as raised:
            client.crisp_upscale(str(SAMPLE), output=str(tmp_path / "out.png"))
    assert "no billed request was sent" in str(raised.value)
    stats = limited.stats()
    assert stats["tasksCreated"] == 0 and stats["uploads"] == 0, stats


CALLBACK_RECEIVER = """
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
sys.path.insert(0, sys.argv[1])
import recraft
client = recraft.Client("kie", api_key=sys.argv[2], base_url=sys.argv[3])
class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        outcome = client.handle_callback(body, dict(self.headers))
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
        print(json.dumps(outcome), flush=True)
    def log_message(self, *args):
        pass
server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def test_a_callback_received_by_another_process_ends_the_job_here(tmp_path: Path, limited: Sandbox) -> None:
    state = str(tmp_path / "home" / ".local" / "state")
    env = {**os.environ, "HOME": str(tmp_path / "home"), "XDG_STATE_HOME": state}
    receiver = subprocess.Popen([sys.executable, "-c", CALLBACK_RECEIVER, str(ROOT / "bindings" / "python"), KEY, limited.url],
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert receiver.stdout is not None
        port = int(receiver.stdout.readline())
        # The same store as the receiver's (the default one under its state folder).
        client = recraft.Client("kie", api_key=KEY, base_url=limited.url, store=state + "/recraft/store.sqlite3")
        with client:
            job = client.submit("crisp_upscale", str(SAMPLE), callback_url=f"http://127.0.0.1:{port}/callback")
            received: list[float] = []
            reader = threading.Thread(target=lambda: (receiver.stdout.readline(), received.append(time.monotonic())),  # type: ignore[union-attr]
                                      daemon=True)
            reader.start()
            state = job.wait(timeout=60)
            ended = time.monotonic()
            reader.join(10)
            assert state == recraft.JobState.SUCCEEDED
            assert received, "the receiver saw no callback"
            assert ended - received[0] < 1.0
            assert job.to_dict()["polls"] == 0  # the poll fallback (30 s) never ran
            job.close()
    finally:
        receiver.terminate()
        receiver.wait(10)


def test_an_old_jsonl_journal_is_resumed(tmp_path: Path, limited: Sandbox) -> None:
    # A journal as the previous release wrote it: a task accepted and never finished.
    with recraft.Client("kie", api_key=KEY, base_url=limited.url, store="memory") as client:
        job = client.submit("crisp_upscale", str(SAMPLE))
        job.wait(timeout=60)
        task_id = job.id
        job.close()
    journal = tmp_path / "old.jsonl"
    lines = [
        {"v": 1, "time": 1, "event": "submit", "ref": "r1", "provider": "kie", "base_url": limited.url,
         "operation": "crisp_upscale", "image": str(SAMPLE), "options": {}},
        {"v": 1, "time": 2, "event": "sending", "ref": "r1"},
        {"v": 1, "time": 3, "event": "accepted", "ref": "r1", "task_id": task_id, "operation": "crisp_upscale"},
    ]
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with recraft.Client("kie", api_key=KEY, base_url=limited.url, journal_path=str(journal)) as client:
        jobs = client.resume()
        assert [job.id for job in jobs] == [task_id]
        assert jobs[0].wait(timeout=60) == recraft.JobState.SUCCEEDED
        for job in jobs:
            job.close()
    assert limited.stats()["tasksCreated"] == 1


def test_a_worker_killed_mid_batch_is_finished_by_resume(tmp_path: Path) -> None:
    # 25 images on kie's 20 creates per 10 s: the first 20 go at once, 5 wait for a slot.
    sandbox = Sandbox("--limits", "documented", "--task-duration-ms", "4000")
    try:
        env = {"HOME": str(tmp_path / "home")}
        images = inputs(tmp_path / "in", 25)
        victim = worker("cli", sandbox, images, tmp_path / "out", env)
        deadline = time.monotonic() + 120
        while sandbox.stats()["tasksCreated"] < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        victim.kill()
        victim.communicate(timeout=60)
        created = sandbox.stats()["tasksCreated"]
        assert created >= 20
        env["XDG_STATE_HOME"] = env["HOME"] + "/.local/state"
        resume = subprocess.run([str(CLI), "resume", "--api-key", KEY, "--quiet"], env={**os.environ, **env},
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        uncertain = resume.stderr.count("uncertain: ")
        stats = sandbox.stats()
        assert stats["rateLimited"] == 0, stats
        # The accepted ones were collected by task id and the never-sent ones submitted
        # once: one task per image, but for an uncertain one (the kill caught its request
        # on the wire), which is reported and never resent.
        assert stats["tasksCreated"] <= 25, stats
        assert saved(tmp_path / "out") + uncertain == 25, resume.stderr[-3000:]
        assert stats["tasksCreated"] >= saved(tmp_path / "out")
    finally:
        sandbox.stop()


LOCKER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO recraft_meta (key, value) VALUES ('half-written', 'x')")
print("locked", flush=True)
time.sleep(600)
"""


def test_sqlite_survives_a_writer_killed_mid_transaction(tmp_path: Path, limited: Sandbox) -> None:
    env = {"HOME": str(tmp_path / "home")}
    processes = [worker("cli", limited, inputs(tmp_path / f"in{index}", 15), tmp_path / f"out{index}", env) for index in range(2)]
    deadline = time.monotonic() + 120
    while limited.stats()["tasksCreated"] < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    store = tmp_path / "home" / ".local" / "state" / "recraft" / "store.sqlite3"
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(store)], stdout=subprocess.PIPE, text=True)
    assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
    time.sleep(1)  # the workers now wait on the lock
    locker.kill()
    locker.wait(30)
    finish(processes)
    stats = limited.stats()
    assert stats["rateLimited"] == 0, stats
    assert stats["tasksCreated"] == 30, stats
    assert saved(tmp_path / "out0") + saved(tmp_path / "out1") == 30
    import sqlite3
    with sqlite3.connect(store) as connection:  # the half-written row was rolled back
        assert connection.execute("SELECT COUNT(*) FROM recraft_meta WHERE key = 'half-written'").fetchone()[0] == 0


def test_the_ready_receiver_checks_signatures_and_ends_the_job_waited_on_elsewhere(tmp_path: Path) -> None:
    from postgres import _free_port

    secret = "receiver-test-secret"
    sandbox = Sandbox("--webhook-secret", secret, "--task-duration-ms", "300")
    state = str(tmp_path / "home" / ".local" / "state")
    port = _free_port()
    receiver = subprocess.Popen(
        [str(CLI), "receive-callbacks", "--listen", f"127.0.0.1:{port}", "--provider", "kie", "--base-url", sandbox.url,
         "--api-key", KEY, "--webhook-secret", secret],
        env={**os.environ, "XDG_STATE_HOME": state}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        assert receiver.stderr is not None
        assert "receiving callbacks" in receiver.stderr.readline()
        # A forged callback is refused (401) and records nothing.
        import urllib.error
        import urllib.request
        forged = urllib.request.Request(f"http://127.0.0.1:{port}/cb", data=b'{"code": 200, "data": {"taskId": "t", "state": "success"}}',
                                        headers={"Content-Type": "application/json"}, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=10)
        assert refused.value.code == 401
        with recraft.Client("kie", api_key=KEY, base_url=sandbox.url, store=state + "/recraft/store.sqlite3") as client:
            job = client.submit("crisp_upscale", str(SAMPLE), callback_url=f"http://127.0.0.1:{port}/cb")
            assert job.wait(timeout=60) == recraft.JobState.SUCCEEDED
            assert job.to_dict()["polls"] == 0  # ended by the callback, through the store
            job.close()
        assert sandbox.stats()["callbacksSent"] >= 1
    finally:
        receiver.terminate()
        receiver.wait(10)
        sandbox.stop()


FORK_SCRIPT = """
import json, os, sys
sys.path.insert(0, sys.argv[1])
import recraft
key, url, store, sample, out = sys.argv[2:7]
body = json.dumps({"code": 200, "msg": "success", "data": {
    "taskId": "fork-task-1", "state": "success", "resultJson": json.dumps({"resultUrls": ["https://example.com/r.png"]})}})
with recraft.Client("kie", api_key=key, base_url=url, store=store) as client:
    client.handle_callback(body)  # the store is open in the parent now; no job ran
    pid = os.fork()
    if pid == 0:  # the child: never the parent's connection, a new one
        code = 1
        try:
            client.crisp_upscale(sample, output=out + "/child.png")
            code = 0
        except BaseException as error:
            print(f"child: {error}", file=sys.stderr)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the child failed"
    client.crisp_upscale(sample, output=out + "/parent.png")  # and the parent's connection still works
"""


def test_a_client_whose_store_was_used_before_fork_reconnects_in_the_child(tmp_path: Path, limited: Sandbox) -> None:
    # In a fresh process: this one has run jobs, and a forked child of it refuses to.
    store = str(tmp_path / "store.sqlite3")
    run = subprocess.run([sys.executable, "-c", FORK_SCRIPT, str(ROOT / "bindings" / "python"), KEY, limited.url, store, str(SAMPLE),
                          str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    stats = limited.stats()
    assert stats["tasksCreated"] == 2 and stats["rateLimited"] == 0, stats
    import sqlite3
    with sqlite3.connect(store) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert connection.execute("SELECT COUNT(*) FROM recraft_jobs WHERE state = 'succeeded'").fetchone()[0] == 2
