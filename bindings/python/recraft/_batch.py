"""Client.batch and Client.batch_async: many images, bounded concurrency, a progress bar."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ._output import collect, output_stem
from ._progress import Progress
from ._results import BatchItem, Result
from .errors import InvalidArgumentError, RecraftError, RecraftTimeoutError

if TYPE_CHECKING:
    from ._client import Client
    from ._job import Job


def _plan(client: Client, operation: str, images: Iterable[str | os.PathLike[str]], concurrency: int,
          output_dir: str | os.PathLike[str] | None) -> tuple[list[BatchItem], list[str | None], str | None]:
    """The items, the stem of each one's output file, and the output directory (made)."""
    if isinstance(images, (str, bytes, os.PathLike)):
        raise InvalidArgumentError("images must be a list of paths or URLs, not a single one")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise InvalidArgumentError(f"concurrency must be an int >= 1, not {concurrency!r}")
    with client._use():  # a closed client is a mistake to raise, not an error per image
        pass
    items = [BatchItem(image=os.fspath(image)) for image in images]
    directory = None if output_dir is None else os.fspath(output_dir)
    stems: list[str | None] = [None] * len(items)
    if directory is not None:
        os.makedirs(directory, exist_ok=True)
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            try:
                stem = output_stem(item.image, operation)
            except InvalidArgumentError:
                continue  # an unknown operation: each image fails with that error when submitted
            count = seen.get(stem.lower(), 0) + 1
            seen[stem.lower()] = count
            if count > 1:
                name, suffix = stem.rsplit(".", 1)
                stem = f"{name}-{count}.{suffix}"
            stems[index] = stem
    return items, stems, directory


class _Live:
    """The jobs of a batch still running, so that an abort can cancel them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: set[Job] = set()
        self.aborted = False

    def add(self, job: Job) -> None:
        with self._lock:
            self._jobs.add(job)
            aborted = self.aborted
        if aborted:
            job.cancel()

    def discard(self, job: Job) -> None:
        with self._lock:
            self._jobs.discard(job)

    def __len__(self) -> int:
        return len(self._jobs)

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            jobs = list(self._jobs)
        for job in jobs:
            try:
                job.cancel()
            except RecraftError:  # closed meanwhile
                pass


def _finish(item: BatchItem, outcome: Result | BaseException, progress: Progress) -> None:
    """Records one image's outcome; anything but a RecraftError (a bug, Ctrl-C) stops
    the batch."""
    if isinstance(outcome, RecraftError):
        item.error = outcome
        progress.update(failed=1)
    elif isinstance(outcome, BaseException):
        raise outcome
    else:
        item.result = outcome
        item.output = outcome.path
        progress.update(ok=1)


def run_batch(client: Client, operation: str, images: Iterable[str | os.PathLike[str]], *, concurrency: int,
              output_dir: str | os.PathLike[str] | None, timeout: float | None, progress: bool | None,
              on_result: Callable[[BatchItem], object] | None, options: dict[str, Any]) -> list[BatchItem]:
    items, stems, directory = _plan(client, operation, images, concurrency, output_dir)
    live = _Live()
    bar = Progress(len(items), operation, progress)

    def one(index: int) -> Result:
        if live.aborted:
            raise RecraftError("the batch was stopped", 12)
        with client.submit(operation, items[index].image, **options) as job:
            live.add(job)
            try:
                try:
                    job.wait(timeout)
                except RecraftTimeoutError as error:
                    raise RecraftTimeoutError(f"the job did not end within {timeout or 0:g} s and was "
                                              "cancelled locally") from error
                return collect(job, directory, stems[index])
            finally:
                live.discard(job)

    bar.draw(force=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="recraft-batch") as pool:
        futures = {pool.submit(one, index): index for index in range(len(items))}
        pending = set(futures)
        try:
            while pending:
                done, pending = concurrent.futures.wait(pending, timeout=0.25,
                                                        return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    index = futures[future]
                    error = future.exception()
                    _finish(items[index], error if error is not None else future.result(), bar)
                    if on_result is not None:
                        on_result(items[index])
                bar.update(running=len(live))
        except BaseException:
            live.abort()
            for future in pending:
                future.cancel()
            raise
        finally:
            bar.close()
    return items


async def run_batch_async(client: Client, operation: str, images: Iterable[str | os.PathLike[str]], *,
                          concurrency: int, output_dir: str | os.PathLike[str] | None, timeout: float | None,
                          progress: bool | None, on_result: Callable[[BatchItem], object] | None,
                          options: dict[str, Any]) -> list[BatchItem]:
    items, stems, directory = _plan(client, operation, images, concurrency, output_dir)
    bar = Progress(len(items), operation, progress)
    gate = asyncio.Semaphore(concurrency)
    running = 0

    async def one(index: int) -> Result:
        nonlocal running
        async with gate:
            running += 1
            try:
                job = await client.submit_async(operation, items[index].image, **options)
                with job:
                    try:
                        await job.wait_async(timeout)
                    except RecraftTimeoutError as error:
                        raise RecraftTimeoutError(f"the job did not end within {timeout or 0:g} s and was "
                                                  "cancelled locally") from error
                    if directory is None:
                        return collect(job, None)
                    loop = asyncio.get_running_loop()
                    return await loop.run_in_executor(None, collect, job, directory, stems[index])
            finally:
                running -= 1

    bar.draw(force=True)
    tasks = {asyncio.ensure_future(one(index)): index for index in range(len(items))}
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, timeout=0.25, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                index = tasks[task]
                error = task.exception()
                _finish(items[index], error if error is not None else task.result(), bar)
                if on_result is not None:
                    on_result(items[index])
            bar.update(running=running)
    except BaseException:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        raise
    finally:
        bar.close()
    return items
