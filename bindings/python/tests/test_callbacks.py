"""Completion callbacks: the id table, the library thread, and exceptions raised in user
callbacks reaching the caller."""

from __future__ import annotations

import gc
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import recraft
from conftest import SAMPLE, Sandbox, png_size
from recraft import _callbacks


def test_done_callback_runs_once_on_a_library_thread(client: Any, tmp_path: Path) -> None:
    calls: list[tuple[Any, str, str]] = []
    ran = threading.Event()

    def done(job: recraft.Job) -> None:
        # A callback may use its job: here, download the result from the library thread.
        saved = job.download(tmp_path / "from-callback.png")
        calls.append((job, threading.current_thread().name, saved))
        ran.set()

    with client.submit("crisp_upscale", SAMPLE) as job:
        job.add_done_callback(done)
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
        assert ran.wait(5)
    assert len(calls) == 1
    assert calls[0][0] is job
    assert calls[0][1] != threading.current_thread().name
    assert png_size(calls[0][2])[0] >= 512


def test_user_data_is_a_small_integer_id_not_an_object_pointer(client: Any) -> None:
    before = _callbacks.pending()
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.add_done_callback(lambda j: None)
        ident = job._completion.ident
        assert isinstance(ident, int) and 0 < ident < 1 << 32
        assert _callbacks._table.get(ident) is job._completion or job.poll().is_terminal
        job.wait(timeout=30)
    assert _callbacks.pending() == before  # the entry is gone once it ran


def test_a_callback_that_raises_is_re_raised_by_wait(client: Any) -> None:
    def done(job: recraft.Job) -> None:
        raise RuntimeError("boom in a done callback")

    with client.submit("crisp_upscale", SAMPLE) as job:
        job.add_done_callback(done)
        with pytest.raises(RuntimeError, match="boom in a done callback") as info:
            job.wait(timeout=30)
        assert any(frame.name == "done" for frame in info.traceback)  # with its own traceback
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED  # raised once, then the job's result


def test_a_callback_that_raises_is_re_raised_by_wait_async(client: Any) -> None:
    import asyncio

    def done(job: recraft.Job) -> None:
        raise LookupError("boom for the event loop")

    async def main() -> None:
        job = await client.submit_async("crisp_upscale", SAMPLE)
        with job:
            job.add_done_callback(done)
            with pytest.raises(LookupError, match="boom for the event loop"):
                await job.wait_async(timeout=30)

    asyncio.run(main())


def test_a_callback_added_after_the_end_runs_at_once(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        seen: list[recraft.JobState] = []
        job.add_done_callback(lambda j: seen.append(j.state))
        deadline = time.monotonic() + 5
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen == [recraft.JobState.SUCCEEDED]
        job.add_done_callback(lambda j: seen.append(j.state))  # a second one too
        assert seen == [recraft.JobState.SUCCEEDED] * 2


def test_a_job_closed_before_its_end_calls_no_callback(slow_sandbox: Sandbox) -> None:
    before = _callbacks.pending()
    called: list[Any] = []
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k") as client:
        job = client.submit("crisp_upscale", SAMPLE)
        job.add_done_callback(called.append)
        job.close()
    time.sleep(0.2)
    assert called == [] and _callbacks.pending() == before


def test_closing_the_job_inside_its_callback_is_safe(client: Any) -> None:
    # The C API forbids freeing a job in its own callback; the binding defers the free.
    closed = threading.Event()

    def done(job: recraft.Job) -> None:
        job.close()
        closed.set()

    job = client.submit("crisp_upscale", SAMPLE)
    job.add_done_callback(done)
    assert closed.wait(30)
    assert job.closed
    with pytest.raises(recraft.InvalidArgumentError, match="closed"):
        job.poll()


def test_a_forgotten_job_with_a_callback_lives_until_it_ran(client: Any) -> None:
    ran = threading.Event()
    client.submit("crisp_upscale", SAMPLE).add_done_callback(lambda job: ran.set())
    gc.collect()
    assert ran.wait(30)


def test_waiting_on_another_job_inside_a_callback_does_not_deadlock(client: Any) -> None:
    results: list[Any] = []
    finished = threading.Event()
    other = client.submit("crisp_upscale", SAMPLE)
    other.add_done_callback(lambda job: None)

    def done(job: recraft.Job) -> None:
        results.append(other.wait(timeout=30))
        finished.set()

    with other, client.submit("crisp_upscale", SAMPLE) as job:
        job.add_done_callback(done)
        assert finished.wait(30), "the callback never returned"
    assert results == [recraft.JobState.SUCCEEDED]


def test_callbacks_of_many_jobs(client: Any) -> None:
    done = threading.Semaphore(0)
    jobs = [client.submit("crisp_upscale", SAMPLE) for _ in range(20)]
    for job in jobs:
        job.add_done_callback(lambda j: done.release())
    for _ in jobs:
        assert done.acquire(timeout=30)
    for job in jobs:
        job.close()


def test_a_callback_must_be_callable(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        with pytest.raises(recraft.InvalidArgumentError, match="callable"):
            job.add_done_callback("not a function")  # type: ignore[arg-type]
