"""asyncio: wait_async and the async helpers never block the event loop, and hundreds of
jobs are awaited together without a thread each."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import recraft
from conftest import SAMPLE, Sandbox, png_size


def sandbox_client(sandbox: Sandbox, **config: Any) -> recraft.Client:
    return recraft.Client("sandbox", base_url=sandbox.url, api_key="k", poll_initial_ms=20, poll_max_ms=100,
                          **config)


class Ticker:
    """Counts event-loop turns: a blocked loop stops counting."""

    def __init__(self) -> None:
        self.ticks = 0
        self.longest_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - last)
            last = now
            self.ticks += 1

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def test_wait_async_does_not_block_the_loop(sandbox: Sandbox) -> None:
    async def main() -> None:
        ticker = Ticker()
        ticker.start()
        async with sandbox_client(sandbox) as client:
            job = await client.submit_async("crisp_upscale", SAMPLE)
            with job:
                assert await job.wait_async(timeout=30) is recraft.JobState.SUCCEEDED
                assert job.results
        await ticker.stop()
        assert ticker.ticks >= 10 and ticker.longest_gap < 0.2, (ticker.ticks, ticker.longest_gap)
        assert client.closed  # async with closed it

    asyncio.run(main())


def test_two_hundred_jobs_with_gather(sandbox: Sandbox, tmp_path: Path) -> None:
    async def main() -> list[recraft.Result]:
        ticker = Ticker()
        ticker.start()
        threads_before = threading.active_count()
        peak = [0]

        async def watch_threads() -> None:
            while True:
                peak[0] = max(peak[0], threading.active_count())
                await asyncio.sleep(0.02)

        watcher = asyncio.ensure_future(watch_threads())
        with sandbox_client(sandbox) as client:
            results = await asyncio.gather(*(
                client.crisp_upscale_async(SAMPLE, tmp_path / f"out-{index}.png", timeout=60)
                for index in range(200)))
        watcher.cancel()
        await ticker.stop()
        # No thread per job: the waits are completion callbacks; submits and downloads
        # share the loop's small default executor.
        assert peak[0] - threads_before < 40, f"{peak[0] - threads_before} threads for 200 jobs"
        assert ticker.longest_gap < 0.5, f"the event loop was blocked for {ticker.longest_gap:.2f} s"
        return results

    started = time.monotonic()
    results = asyncio.run(main())
    elapsed = time.monotonic() - started
    assert len(results) == 200 and len({r.id for r in results}) == 200
    assert all(r.path == str(tmp_path / f"out-{i}.png") for i, r in enumerate(results))
    assert png_size(results[199].files[0])[0] >= 512
    assert elapsed < 60


def test_many_bare_waits_use_no_threads(sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(sandbox) as client:
            jobs = [client.submit("crisp_upscale", SAMPLE) for _ in range(50)]
            before = threading.active_count()
            states = await asyncio.gather(*(job.wait_async(timeout=60) for job in jobs))
            assert threading.active_count() <= before + 1
            assert states == [recraft.JobState.SUCCEEDED] * 50
            for job in jobs:
                job.close()

    asyncio.run(main())


def test_wait_async_errors_are_the_jobs(sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(sandbox) as client:
            with await client.submit_async("crisp_upscale", sandbox.url + "/files/no-such-input.png") as job:
                with pytest.raises(recraft.JobFailedError, match="could not fetch image"):
                    await job.wait_async(timeout=30)
            with await client.submit_async("crisp_upscale", SAMPLE) as job:
                job.cancel()
                with pytest.raises(recraft.CancelledError):
                    await job.wait_async(timeout=30)
            with pytest.raises(recraft.UnsupportedError):
                await client.submit_async("crisp_upscale", SAMPLE, no_such_option=1)

    asyncio.run(main())


def test_wait_async_timeout(slow_sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(slow_sandbox) as client:
            with client.submit("crisp_upscale", SAMPLE) as job:
                with pytest.raises(recraft.RecraftTimeoutError, match="after 0.1 s"):
                    await job.wait_async(timeout=0.1)
                with pytest.raises(recraft.RecraftTimeoutError):
                    await job.wait_async(timeout=0.1, on_change=lambda state: None)
                assert not job.state.is_terminal  # it goes on
            with pytest.raises(recraft.RecraftTimeoutError, match="cancelled locally"):
                await client.crisp_upscale_async(SAMPLE, timeout=0.1)

    asyncio.run(main())


def test_cancelling_the_task_cancels_the_job(slow_sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(slow_sandbox) as client:
            job = client.submit("crisp_upscale", SAMPLE)
            waiter = asyncio.ensure_future(job.wait_async())
            await asyncio.sleep(0.05)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
            assert not job.state.is_terminal  # a bare wait leaves the job alone
            job.close()

            task = asyncio.ensure_future(client.crisp_upscale_async(SAMPLE))
            await asyncio.sleep(0.2)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

    asyncio.run(main())


def test_closing_a_job_wakes_its_awaiter(slow_sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(slow_sandbox) as client:
            job = client.submit("crisp_upscale", SAMPLE)
            asyncio.get_running_loop().call_later(0.05, job.close)
            with pytest.raises(recraft.InvalidArgumentError, match="closed"):
                await asyncio.wait_for(job.wait_async(), 5)

    asyncio.run(main())


def test_on_change_and_astates(sandbox: Sandbox) -> None:
    async def main() -> None:
        with sandbox_client(sandbox) as client:
            seen: list[recraft.JobState] = []
            with client.submit("crisp_upscale", SAMPLE) as job:
                assert await job.wait_async(timeout=30, on_change=seen.append) is recraft.JobState.SUCCEEDED
            assert seen[-1] is recraft.JobState.SUCCEEDED and len(seen) == len(set(seen))
            with client.submit("crisp_upscale", SAMPLE) as job:
                states = [state async for state in job.astates(interval=0.02)]
            assert states[-1] is recraft.JobState.SUCCEEDED and recraft.JobState.RUNNING in states

    asyncio.run(main())


def test_async_helpers(sandbox: Sandbox, tmp_path: Path) -> None:
    async def main() -> None:
        with sandbox_client(sandbox) as client:
            upscaled = await client.crisp_upscale_async(SAMPLE, tmp_path)
            assert upscaled.path == str(tmp_path / "sample.crisp-upscale.png")
            cutout = await client.remove_background_async(SAMPLE, tmp_path / "cutout.png")
            assert png_size(cutout.files[0]) == png_size(SAMPLE)
            bare = await client.run_async("crisp_upscale", SAMPLE)
            assert bare.files == [] and bare.urls and bare.path is None
        with recraft.Client("recraft", api_key="k", base_url=sandbox.url + "/v1") as client:
            vector = await client.vectorize_async(SAMPLE, tmp_path)
            assert vector.path and vector.path.endswith("sample.vectorize.svg")
            creative = await client.creative_upscale_async(SAMPLE, tmp_path / "creative.png")
            assert creative.path and png_size(creative.path)[0] > png_size(SAMPLE)[0]
        with recraft.Client("recraft-mirror", api_key="k", base_url=sandbox.url) as client:
            clarity = await client.clarity_upscale_async(SAMPLE, tmp_path / "clarity.png")
            assert clarity.path and Path(clarity.path).stat().st_size > 0

    asyncio.run(main())
