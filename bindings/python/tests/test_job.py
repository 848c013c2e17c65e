"""Job: submit, wait, results, download, failure, timeout, cancel, close."""

from __future__ import annotations

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
        assert Path(saved).name == f"{job.id}-0.png"
        assert png_size(saved)[0] >= 512


def test_to_dict(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=30)
        data = job.to_dict()
    assert {"id", "operation", "state", "provider_state", "results", "error", "polls"} <= set(data)
    assert data["state"] == "succeeded" and data["operation"] == "crisp_upscale" and data["error"] is None
    assert data["polls"] >= 1


def test_wait_timeout_returns_a_state_that_is_not_terminal(client: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        started = time.monotonic()
        state = job.wait(timeout=0.05)
        assert time.monotonic() - started < 2
        assert state in (recraft.JobState.PENDING, recraft.JobState.RUNNING)
        assert not state.is_terminal
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED  # the job went on


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
    job.close()
    job.close()  # idempotent
    for use in (lambda: job.id, lambda: job.state, job.poll, job.wait, lambda: job.results,
                lambda: job.download(tmp_path), job.cancel, job.to_dict):
        with pytest.raises(recraft.InvalidArgumentError, match="Job is closed"):
            use()
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
