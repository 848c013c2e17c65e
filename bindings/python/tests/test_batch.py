"""Client.batch and batch_async: bounded concurrency, per-image results and errors, output
names, the progress bar, and exceptions from on_result."""

from __future__ import annotations

import asyncio
import io
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

import recraft
from conftest import SAMPLE, Sandbox, png_size


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def inputs(tmp_path: Path) -> list[Path]:
    """Five copies of the sample, two of them with the same name in different folders."""
    paths = []
    for name in ("a/one.png", "a/two.png", "b/two.png", "b/three.png", "b/four.png"):
        path = tmp_path / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE, path)
        paths.append(path)
    return paths


def test_batch_saves_every_result_named_after_its_input(client: Any, inputs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "out" / "nested"
    items = client.batch("crisp_upscale", inputs, concurrency=3, output_dir=out, progress=False)
    assert [item.image for item in items] == [str(p) for p in inputs]  # in input order
    assert all(item.ok and item.error is None for item in items)
    names = [Path(item.output).name for item in items if item.output]
    assert names == ["one.crisp-upscale.png", "two.crisp-upscale.png", "two-2.crisp-upscale.png",
                     "three.crisp-upscale.png", "four.crisp-upscale.png"]
    for item in items:
        assert item.result is not None and item.result.path == item.output
        assert png_size(item.output or "")[0] >= 512


def test_batch_keeps_going_past_failures(client: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    images = [SAMPLE, tmp_path / "missing.png", sandbox.url + "/files/no-such-input.png", SAMPLE]
    seen: list[recraft.BatchItem] = []
    items = client.batch("crisp_upscale", images, progress=False, on_result=seen.append)
    assert [item.ok for item in items] == [True, False, False, True]
    assert isinstance(items[1].error, recraft.InvalidInputError)
    assert isinstance(items[2].error, recraft.JobFailedError)
    assert items[0].output is None and items[0].result and items[0].result.urls  # no output_dir: URLs only
    assert sorted(map(id, seen)) == sorted(map(id, items))  # on_result saw each one once


def test_batch_runs_at_most_concurrency_jobs_at_once(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak = [0], [0]
    lock = threading.Lock()
    original = recraft.Job.wait

    def counting_wait(self: recraft.Job, *args: Any, **kwargs: Any) -> recraft.JobState:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            return original(self, *args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(recraft.Job, "wait", counting_wait)
    items = client.batch("crisp_upscale", [SAMPLE] * 12, concurrency=3, progress=False)
    assert all(item.ok for item in items)
    assert peak[0] == 3


def test_an_exception_in_on_result_stops_the_batch_and_reaches_the_caller(slow_sandbox: Sandbox) -> None:
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k", max_retries=0) as client:
        images = [SAMPLE, client_missing := "/nonexistent/input.png"] + [SAMPLE] * 6

        def on_result(item: recraft.BatchItem) -> None:
            raise ValueError(f"stop at {item.image}")

        import time

        started = time.monotonic()
        with pytest.raises(ValueError, match=f"stop at {client_missing}"):
            client.batch("crisp_upscale", images, concurrency=4, progress=False, on_result=on_result)
        # The running 5-second jobs were cancelled, not waited for.
        assert time.monotonic() - started < 3


def test_progress_bar_on_a_terminal(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    client.batch("crisp_upscale", [SAMPLE] * 3)
    drawn = terminal.getvalue()
    assert drawn.startswith("\r") and "\x1b[K" in drawn and drawn.endswith("\n")
    last = drawn.rstrip("\n").split("\r")[-1]
    assert "crisp_upscale [" in last and "3/3" in last and "ok 3" in last and "failed 0" in last


def test_no_progress_bar_when_stderr_is_not_a_terminal(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = io.StringIO()
    monkeypatch.setattr("sys.stderr", pipe)
    client.batch("crisp_upscale", [SAMPLE])
    assert pipe.getvalue() == ""
    client.batch("crisp_upscale", [SAMPLE], progress=True)  # forced on
    assert "1/1" in pipe.getvalue()


def test_batch_arguments_are_checked(client: Any) -> None:
    with pytest.raises(recraft.InvalidArgumentError, match="list"):
        client.batch("crisp_upscale", str(SAMPLE))
    with pytest.raises(recraft.InvalidArgumentError, match="concurrency"):
        client.batch("crisp_upscale", [SAMPLE], concurrency=0)
    assert client.batch("crisp_upscale", [], progress=False) == []


def test_batch_async(client: Any, inputs: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    seen: list[str] = []
    images = [*inputs, tmp_path / "missing.png"]
    items = asyncio.run(client.batch_async("crisp_upscale", images, concurrency=2, output_dir=tmp_path / "out",
                                           on_result=lambda item: seen.append(item.image)))
    assert [item.ok for item in items] == [True] * 5 + [False]
    assert isinstance(items[5].error, recraft.InvalidInputError)
    assert Path(items[2].output or "").name == "two-2.crisp-upscale.png"
    assert sorted(seen) == sorted(str(p) for p in images)
    assert "6/6" in terminal.getvalue() and "failed 1" in terminal.getvalue()


def test_batch_async_stops_on_an_exception_in_on_result(slow_sandbox: Sandbox) -> None:
    async def main() -> None:
        with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k") as client:
            def on_result(item: recraft.BatchItem) -> None:
                raise ValueError("stop")

            with pytest.raises(ValueError, match="stop"):
                await client.batch_async("crisp_upscale", ["/nonexistent.png"] + [SAMPLE] * 4, progress=False,
                                         on_result=on_result)

    import time

    started = time.monotonic()
    asyncio.run(main())
    assert time.monotonic() - started < 3


def four_inputs(tmp_path: Path) -> list[Path]:
    inputs = []
    for name in ("a", "b", "c", "d"):
        path = tmp_path / "in" / f"{name}.png"
        path.parent.mkdir(exist_ok=True)
        shutil.copy(SAMPLE, path)
        inputs.append(path)
    return inputs


def when_tasks_exist(sandbox: Sandbox, count: int, then: Any) -> threading.Thread:
    """Calls ``then()`` on a thread once the sandbox has created ``count`` tasks."""
    import time

    def watch() -> None:
        deadline = time.monotonic() + 120
        while sandbox.stats()["tasksCreated"] < count and time.monotonic() < deadline:
            time.sleep(0.05)
        then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def assert_told_what_is_left(said: str) -> None:
    assert said.count(": task ") == 2 and "client.resume()" in said and "2 input(s) not started" in said, said


def resume_the_interrupted_batch(sandbox: Sandbox, inputs: list[Path], out: Path, created: int) -> None:
    """After a batch of ``inputs`` into ``out`` was interrupted with two tasks created: a
    new client collects them under the batch's names and lists the two others as never
    started, nothing is submitted again, and running the batch again pays for the rest."""
    assert sandbox.stats()["tasksCreated"] == created + 2
    with recraft.Client("sandbox", base_url=sandbox.url, api_key="k", poll_initial_ms=50) as client:
        jobs = client.resume()
        assert sorted(job.image or "" for job in jobs) == [str(inputs[0]), str(inputs[1])]
        assert jobs.not_started == [str(inputs[2]), str(inputs[3])] and jobs.uncertain == []
        for job in jobs:
            with job:
                job.wait(timeout=120)
                job.download()
        assert sorted(p.name for p in out.iterdir()) == ["a.crisp-upscale.png", "b.crisp-upscale.png"]
        assert sandbox.stats()["tasksCreated"] == created + 2  # nothing submitted again

        # Running the batch again skips what is saved and pays for the rest only.
        items = client.batch("crisp_upscale", inputs, concurrency=2, output_dir=out, progress=False)
        assert [item.skipped for item in items] == [True, True, False, False] and all(item.ok for item in items)
        assert sandbox.stats()["tasksCreated"] == created + 4
        assert sorted(p.name for p in out.iterdir()) == [f"{n}.crisp-upscale.png" for n in "abcd"]
        again = client.resume()
        assert list(again) == [] and again.not_started == []


def test_an_interrupted_batch_resumes_without_paying_twice_under_its_names(slow_sandbox: Sandbox, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    import _thread

    inputs, out = four_inputs(tmp_path), tmp_path / "out"
    created = slow_sandbox.stats()["tasksCreated"]
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k", poll_initial_ms=50) as client:
        when_tasks_exist(slow_sandbox, created + 2, _thread.interrupt_main)  # what Ctrl-C does to the main thread
        with pytest.raises(KeyboardInterrupt):
            client.batch("crisp_upscale", inputs, concurrency=2, output_dir=out, progress=False)
        assert_told_what_is_left(capsys.readouterr().err)
    resume_the_interrupted_batch(slow_sandbox, inputs, out, created)


def test_a_cancelled_batch_async_says_what_is_left_and_resumes_without_paying_twice(
        slow_sandbox: Sandbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs, out = four_inputs(tmp_path), tmp_path / "out"
    created = slow_sandbox.stats()["tasksCreated"]

    async def main() -> None:
        async with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k", poll_initial_ms=50) as client:
            loop = asyncio.get_running_loop()
            batch = asyncio.ensure_future(client.batch_async("crisp_upscale", inputs, concurrency=2, output_dir=out,
                                                             progress=False))
            when_tasks_exist(slow_sandbox, created + 2, lambda: loop.call_soon_threadsafe(batch.cancel))
            with pytest.raises(asyncio.CancelledError):
                await batch

    asyncio.run(main())
    assert_told_what_is_left(capsys.readouterr().err)
    resume_the_interrupted_batch(slow_sandbox, inputs, out, created)


ASYNC_BATCH = """
import asyncio, sys
sys.path.insert(0, sys.argv[1])
import recraft
url, out, *images = sys.argv[2:]
async def main():
    async with recraft.Client("sandbox", base_url=url, api_key="k", poll_initial_ms=50) as client:
        await client.batch_async("crisp_upscale", images, concurrency=2, output_dir=out, progress=False)
asyncio.run(main())
"""


def test_ctrl_c_in_an_asyncio_batch_says_what_is_left_and_it_resumes_without_paying_twice(
        slow_sandbox: Sandbox, tmp_path: Path) -> None:
    # A script under asyncio.run, sent SIGINT as a terminal's Ctrl-C would: asyncio.run
    # cancels the batch's task, which reports, then KeyboardInterrupt ends the script.
    import signal
    import subprocess
    import sys

    from conftest import PYTHON_DIR

    inputs, out = four_inputs(tmp_path), tmp_path / "out"
    created = slow_sandbox.stats()["tasksCreated"]
    script = subprocess.Popen([sys.executable, "-c", ASYNC_BATCH, str(PYTHON_DIR), slow_sandbox.url, str(out),
                               *map(str, inputs)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)  # the same state folder: XDG_STATE_HOME
    when_tasks_exist(slow_sandbox, created + 2, lambda: script.send_signal(signal.SIGINT)).join(130)
    _, said = script.communicate(timeout=120)
    assert script.returncode == -signal.SIGINT, said
    assert_told_what_is_left(said)
    assert "KeyboardInterrupt" in said
    resume_the_interrupted_batch(slow_sandbox, inputs, out, created)


def test_batch_takes_bytes_and_journals_by_default(client: Any, tmp_path: Path) -> None:
    from recraft._journal import default_journal_path

    items = client.batch("crisp_upscale", [SAMPLE.read_bytes(), open(SAMPLE, "rb")], output_dir=tmp_path,
                         progress=False)
    assert [Path(item.output or "").name for item in items] == ["image.crisp-upscale.png", "sample.crisp-upscale.png"]
    assert Path(default_journal_path()).exists() and Path(default_journal_path() + ".python.jsonl").exists()
    none = client.batch("crisp_upscale", [SAMPLE], progress=False, journal=False)
    assert none[0].ok and none[0].result and none[0].result.read()[:4] == b"\x89PNG"
