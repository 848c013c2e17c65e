"""Job: submit, wait, results, download, failure, timeout, cancel, close."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import recraft
from conftest import SAMPLE, Sandbox, png_size


def test_submit_wait_download_upscales(client: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        assert job.operation == "crisp_upscale"
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
        assert job.state is recraft.JobState.SUCCEEDED and job.state == "succeeded"
        assert job.id
        assert len(job.results) >= 1 and job.results[0].startswith("http")
        saved = job.download(tmp_path / "out.png")
    assert saved == str(tmp_path / "out.png")
    width, height = png_size(saved)
    in_width, in_height = png_size(SAMPLE)
    assert width >= 2 * in_width and height >= 2 * in_height
    # Result hosts are not the provider's API: the key is not sent to them.
    assert sandbox.stats()["fileDownloadsWithAuthorization"] == 0


def test_download_into_a_directory_returns_the_file(client: Any, tmp_path: Path) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        saved = job.download(tmp_path)
        assert Path(saved).parent == tmp_path and Path(saved).is_file()
        assert Path(saved).name == "sample.crisp-upscale.png"  # the core's one rule
        assert png_size(saved)[0] >= 512


def test_to_dict(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        data = job.to_dict()
    assert {"id", "operation", "state", "provider_state", "results", "error", "polls"} <= set(data)
    assert data["state"] == "succeeded" and data["operation"] == "crisp_upscale" and data["error"] is None
    assert data["polls"] >= 1


def test_wait_timeout_raises_timeout_and_the_job_goes_on(slow_sandbox: Sandbox) -> None:
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k", poll_initial_ms=20) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            started = time.monotonic()
            with pytest.raises(recraft.RecraftTimeoutError, match="still (pending|running) after 0.2 s") as info:
                job.wait(timeout=0.2)
            assert 0.15 < time.monotonic() - started < 2
            assert isinstance(info.value, TimeoutError) and info.value.code == 11
            assert job.state in (recraft.JobState.PENDING, recraft.JobState.RUNNING)  # it goes on
            with pytest.raises(recraft.RecraftTimeoutError):
                job.wait(timeout=0)


def test_job_timeout_fails_the_job_with_timeout(slow_sandbox: Sandbox) -> None:
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k", poll_initial_ms=20,
                        job_timeout=0.5) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            with pytest.raises(recraft.RecraftTimeoutError) as info:
                job.wait(timeout=30)
            assert info.value.code == 11
            assert job.state is recraft.JobState.FAILED
            assert job.id  # kept: the task can be reopened


def test_poll_does_not_block(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        started = time.monotonic()
        assert job.poll() in (recraft.JobState.PENDING, recraft.JobState.RUNNING)
        assert time.monotonic() - started < 0.5


def test_failed_task_raises_job_failed_with_the_providers_message(client: Any, sandbox: Sandbox, tmp_path: Path) -> None:
    # The sandbox cannot fetch this input, so the provider fails the task.
    with client.submit("crisp_upscale", sandbox.url + "/files/no-such-input.png") as job:
        with pytest.raises(recraft.JobFailedError) as info:
            job.wait(timeout=30)
        assert info.value.code == 10
        assert "could not fetch image" in info.value.message  # the sandbox's own words
        assert info.value.provider_code == "422"
        assert job.state is recraft.JobState.FAILED
        assert job.results == []
        assert isinstance(job.error(), recraft.JobFailedError)
        with pytest.raises(recraft.JobFailedError):
            job.download(tmp_path / "never.png")
        assert not (tmp_path / "never.png").exists()


def test_download_before_success_is_not_ready(client: Any, tmp_path: Path) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        with pytest.raises(recraft.NotReadyError):
            job.download(tmp_path / "early.png")
        job.wait(timeout=30)
        with pytest.raises(recraft.NotReadyError):
            job.download(tmp_path / "x.png", index=5)


def test_cancel_makes_wait_raise_cancelled(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.cancel()
        with pytest.raises(recraft.CancelledError):
            job.wait(timeout=5)
        assert job.state is recraft.JobState.CANCELLED


def test_cancel_from_another_thread_wakes_a_waiter(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        timer = threading.Timer(0.05, job.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(recraft.CancelledError):
            job.wait()
        assert time.monotonic() - started < 5
        timer.join()


def test_use_after_close_raises_a_clear_error(client: Any, tmp_path: Path) -> None:
    job = client.submit("crisp_upscale", SAMPLE)
    job.wait(timeout=30)
    task_id = job.id
    job.close()
    job.close()  # idempotent
    assert job.id == task_id and job.operation == "crisp_upscale"  # plain values stay readable
    for use in (lambda: job.state, job.poll, job.wait, lambda: job.results,
                lambda: job.download(tmp_path), job.cancel, job.to_dict, job.error, lambda: list(job.states()),
                lambda: job.add_done_callback(print), lambda: asyncio.run(job.wait_async()),
                lambda: asyncio.run(job.download_async(tmp_path)), job.file_name):
        with pytest.raises(recraft.InvalidArgumentError, match="Job is closed"):
            use()
    with pytest.raises(ValueError, match="closed"):
        with job:
            pass
    assert "closed" in repr(job)


def test_job_outlives_its_client(sandbox: Sandbox) -> None:
    client = recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="k", poll_initial_ms=20)
    job = client.submit("crisp_upscale", SAMPLE)
    client.close()
    assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
    job.close()


def test_jobs_from_many_threads(client: Any) -> None:
    states: list[Any] = []
    lock = threading.Lock()

    def one() -> None:
        with client.submit("crisp_upscale", SAMPLE) as job:
            state = job.wait(timeout=60)
        with lock:
            states.append(state)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert states == [recraft.JobState.SUCCEEDED] * 8


def test_remove_background(client: Any, tmp_path: Path) -> None:
    with client.submit("remove_background", SAMPLE) as job:
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
        saved = job.download(tmp_path / "cutout.png")
    assert png_size(saved) == png_size(SAMPLE)


def test_states_yields_each_change_until_the_end(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        seen = list(job.states(interval=0.02))
    assert seen[-1] is recraft.JobState.SUCCEEDED
    assert recraft.JobState.RUNNING in seen
    assert all(a is not b for a, b in zip(seen, seen[1:]))  # changes only
    assert seen == sorted(seen, key=list(recraft.JobState).index)  # in order


def test_states_of_a_failed_job_end_with_failed(client: Any, sandbox: Sandbox) -> None:
    with client.submit("crisp_upscale", sandbox.url + "/files/no-such-input.png") as job:
        assert list(job.states())[-1] is recraft.JobState.FAILED
        assert isinstance(job.error(), recraft.JobFailedError)


def test_wait_reports_each_state_to_on_change(client: Any) -> None:
    seen: list[recraft.JobState] = []
    with client.submit("crisp_upscale", SAMPLE) as job:
        assert job.wait(timeout=30, on_change=seen.append) is recraft.JobState.SUCCEEDED
    assert seen[-1] is recraft.JobState.SUCCEEDED and recraft.JobState.RUNNING in seen
    assert len(seen) == len(set(seen))


def test_an_exception_in_on_change_reaches_the_caller(client: Any) -> None:
    def explode(state: recraft.JobState) -> None:
        raise KeyError(f"on_change saw {state}")

    with client.submit("crisp_upscale", SAMPLE) as job:
        with pytest.raises(KeyError, match="on_change saw"):
            job.wait(timeout=30, on_change=explode)
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED  # the job itself went on


def test_the_gil_is_free_while_the_library_waits(slow_sandbox: Sandbox) -> None:
    counted = [0]
    stop = threading.Event()

    def count() -> None:
        while not stop.is_set():
            counted[0] += 1

    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k") as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            counter = threading.Thread(target=count)
            counter.start()
            time.sleep(0.05)
            before = counted[0]
            with pytest.raises(recraft.RecraftTimeoutError):
                job.wait(timeout=0.5)
            during = counted[0] - before
            stop.set()
            counter.join()
    # A held GIL would let the counter run only at the 250 ms slice boundaries.
    assert during > 100_000, f"the counter advanced only {during} times in 0.5 s"


def test_close_from_another_thread_wakes_a_waiter(slow_sandbox: Sandbox) -> None:
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k") as client:
        job = client.submit("crisp_upscale", SAMPLE)
        timer = threading.Timer(0.1, job.close)
        timer.start()
        started = time.monotonic()
        with pytest.raises(recraft.CancelledError):
            job.wait(timeout=30)
        assert time.monotonic() - started < 3
        timer.join()
        assert job.closed
        with pytest.raises(recraft.InvalidArgumentError, match="closed"):
            job.poll()


def test_an_unknown_task_id_is_not_found(client: Any) -> None:
    with client.open_job("crisp_upscale", "no-such-task-id") as job:
        with pytest.raises(recraft.NotFoundError) as info:
            job.wait(timeout=30)
    assert info.value.code == 9


def test_a_closed_port_is_a_network_error(tmp_path: Path) -> None:
    from conftest import closed_port_url

    with recraft.Client("sandbox", base_url=closed_port_url(), api_key="k", max_retries=0) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            with pytest.raises(recraft.NetworkError) as info:
                job.wait(timeout=30)
    assert info.value.code == 13 and isinstance(info.value, ConnectionError)


def test_download_into_a_missing_directory_is_an_io_error(client: Any, tmp_path: Path) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        with pytest.raises(recraft.RecraftIOError) as info:
            job.download(tmp_path / "missing" / "out.png")
    assert info.value.code == 14 and isinstance(info.value, OSError)


def test_download_async_and_file_name(client: Any, tmp_path: Path) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        assert job.file_name() == "sample.crisp-upscale.png"
        assert job.file_name(0, stem="photo") == "photo.png"
        saved = asyncio.run(job.download_async(tmp_path))
    assert saved == str(tmp_path / "sample.crisp-upscale.png") and png_size(saved)[0] >= 512


def test_repr(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        assert repr(job) == f"<recraft.Job crisp_upscale id={job.id!r} state=succeeded>"
    assert repr(job) == f"<recraft.Job crisp_upscale id={job.id!r} closed>"
