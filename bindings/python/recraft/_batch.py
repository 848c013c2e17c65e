"""Client.batch and Client.batch_async: many images, bounded concurrency, a progress bar,
and the CLI's safety (BatchPlan/BatchRunner in Sources/RecraftCLI): outputs checked and
existing ones skipped before anything is sent, a journal by default, and a Ctrl-C that
says what is in flight and how to resume."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

from . import _log
from ._input import Image, classify
from ._output import Target, collect, make_folder, output_stem
from ._progress import Progress
from ._results import BatchItem, Result
from .errors import InvalidArgumentError, RecraftError, RecraftTimeoutError

if TYPE_CHECKING:
    from ._client import Client
    from ._job import Job
    from ._journal import Sidecar

#: How long Ctrl-C waits for submits on the wire to be answered, so that their task ids
#: reach the journal (the CLI's BatchRunner.settleLimit). A second Ctrl-C stops waiting.
SETTLE_LIMIT = 15.0


class _Plan:
    """A batch's inputs, their targets, and its journal."""

    def __init__(self, client: Client, operation: str, images: Iterable[Any], concurrency: int,
                 output_dir: str | os.PathLike[str] | None, overwrite: bool,
                 journal: bool | str | os.PathLike[str]) -> None:
        if isinstance(images, (str, bytes, bytearray, memoryview, os.PathLike)) or hasattr(images, "read"):
            raise InvalidArgumentError("images must be a list of images (paths, URLs, bytes or file objects), "
                                       "not a single one")
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise InvalidArgumentError(f"concurrency must be an int >= 1, not {concurrency!r}")
        with client._use():  # a closed client is a mistake to raise, not an error per image
            pass
        self.operation = operation
        self.concurrency = concurrency
        self.sources: list[Image] = [classify(image) for image in images]
        self.items = [BatchItem(image=source.name) for source in self.sources]
        self.targets: list[Target | None] = [None] * len(self.items)
        directory = None if output_dir is None else os.fspath(output_dir)
        if directory is not None:
            make_folder(directory)
            seen: dict[str, int] = {}
            for index, source in enumerate(self.sources):
                try:
                    stem = output_stem(source.name, operation)
                except InvalidArgumentError:
                    continue  # an unknown operation: each image fails with that error when submitted
                count = seen.get(stem.lower(), 0) + 1
                seen[stem.lower()] = count
                if count > 1:
                    name, suffix = stem.rsplit(".", 1)
                    stem = f"{name}-{count}.{suffix}"
                self.targets[index] = Target(os.path.join(directory, stem), exact=False, overwrite=overwrite)
        self.client, self.journal_path = self._journal(client, journal)
        self.runner = client._for(operation, self.journal_path)
        self.sidecar: Sidecar | None = None
        self.keys: list[str] = []
        if self.journal_path is not None:
            from ._journal import Sidecar

            self.sidecar = Sidecar(self.journal_path)
            batch = Sidecar.new_batch()
            self.keys = [f"{batch}-{index}" for index in range(len(self.items))]
            base_url = client._settings.get("base_url")
            self.sidecar.write(*[
                {"event": "planned", "key": key, "operation": operation, "image": source.source, "name": source.name,
                 "output": None if target is None else target.path, "exact": False, "overwrite": overwrite,
                 "provider": client.provider, "base_url": base_url}
                for key, source, target in zip(self.keys, self.sources, self.targets)])

    @staticmethod
    def _journal(client: Client, journal: bool | str | os.PathLike[str]) -> tuple[Client, str | None]:
        from ._journal import default_journal_path, prepare

        if client.journal_path is not None:
            return client, client.journal_path
        if journal is False:
            return client, None
        path = default_journal_path() if journal is True else os.path.abspath(os.fspath(journal))
        prepare(path)
        return client, path

    def note(self, index: int, event: str, **fields: Any) -> None:
        if self.sidecar is not None:
            self.sidecar.write({"event": event, "key": self.keys[index], **fields})

    def skip_existing(self, index: int) -> bool:
        """Marks the input skipped when its result is already there."""
        target = self.targets[index]
        existing = None if target is None or target.overwrite else target.existing()
        if existing is None:
            return False
        item = self.items[index]
        item.skipped, item.output = True, existing
        self.note(index, "saved", path=existing)
        _log.log(_log.INFO, "batch", f"skipped {item.image}: {existing} is already there")
        return True

    def begin(self, bar: Progress) -> None:
        bar.draw(force=True)
        _log.log(_log.INFO, "batch", f"batch of {len(self.items)} {self.operation} job(s), "
                 f"{self.concurrency} at a time"
                 + (f", journal {self.journal_path}" if self.journal_path else ""))

    def schedule(self, bar: Progress, on_result: Callable[[BatchItem], object] | None) -> list[int]:
        """The inputs to run, in order; one whose result is already there is skipped and
        reported now."""
        todo = []
        for index, item in enumerate(self.items):
            if self.skip_existing(index):
                bar.update(ok=1)
                if on_result is not None:
                    on_result(item)
            else:
                todo.append(index)
        return todo

    def report(self, index: int, outcome: Result | BaseException, bar: Progress,
               on_result: Callable[[BatchItem], object] | None) -> None:
        _finish(self.items[index], outcome, bar)
        if on_result is not None:
            on_result(self.items[index])

    def succeeded(self, index: int, job: Job) -> None:
        if job.id:
            self.note(index, "accepted", task_id=job.id)

    def collected(self, index: int, job: Job, result: Result) -> Result:
        """The job's results were collected: a job whose result was saved is journalled
        so, and closed (without an output the Result keeps the job, for read())."""
        if result.files:
            self.note(index, "saved", path=result.files[0])
            job.close()
        return result

    def started(self, index: int) -> Callable[[str], None]:
        return lambda submitted_as: self.note(index, "started", submitted_as=submitted_as)

    def close(self) -> None:
        if self.sidecar is not None:
            self.sidecar.close()


class _Live:
    """The jobs of a batch in flight, so that a stop can settle, report and cancel them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[Job, int] = {}
        self.starting = 0
        self.stopped = False
        self.aborted = False

    def begin(self) -> bool:
        """A worker is about to submit; False once the batch stopped."""
        with self._lock:
            if self.stopped:
                return False
            self.starting += 1
            return True

    def add(self, job: Job | None, index: int) -> None:
        with self._lock:
            self.starting -= 1
            if job is not None:
                self._jobs[job] = index
            aborted = self.aborted
        if aborted and job is not None:
            job.cancel()

    def discard(self, job: Job) -> None:
        with self._lock:
            self._jobs.pop(job, None)

    def __len__(self) -> int:
        return len(self._jobs)

    def jobs(self) -> list[tuple[Job, int]]:
        with self._lock:
            return list(self._jobs.items())

    def unsettled(self) -> int:
        """Jobs being submitted, or whose create request has no answer yet."""
        with self._lock:
            starting, jobs = self.starting, list(self._jobs)
        return starting + sum(1 for job in jobs if _pending_without_id(job))

    def abort(self) -> None:
        with self._lock:
            self.stopped = self.aborted = True
            jobs = list(self._jobs)
        for job in jobs:
            try:
                job.cancel()
            except RecraftError:  # closed meanwhile
                pass


def _pending_without_id(job: Job) -> bool:
    try:
        return job.id is None and not job.poll().is_terminal
    except RecraftError:
        return False


def _start(plan: _Plan, live: _Live, index: int, options: dict[str, Any]) -> Job:
    """Submits input ``index`` (on a worker thread). The job joins ``live`` here, so that a
    stop that came while this ran (a cancelled awaiter) still finds, reports and cancels it."""
    if not live.begin():
        raise RecraftError("the batch was stopped", 12)
    job = None
    try:
        source = plan.sources[index]
        job = plan.client._submit(plan.runner, plan.operation, source.data if source.in_memory else source.source,
                                  None, options, started=plan.started(index))
    finally:
        live.add(job, index)
    return job


def _timed_out(timeout: float | None) -> RecraftTimeoutError:
    return RecraftTimeoutError(f"the job did not end within {timeout or 0:g} s and was cancelled locally")


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


def _stop_submitting(live: _Live) -> bool:
    """The first step of an interruption: no new jobs. True when submits are on the wire
    (and the caller is to wait for them a while); says so on stderr."""
    with live._lock:
        live.stopped = True
    if not live.unsettled():
        return False
    sys.stderr.write(f"\nrecraft: interrupted: submitting no more; waiting for {live.unsettled()} "
                     "submit(s) on the wire to be answered (Ctrl-C again to stop now)\n")
    return True


def _interrupted(plan: _Plan, live: _Live, bar: Progress) -> None:
    """After Ctrl-C (or the cancelled awaiter of ``batch_async``), once the submits on
    the wire were waited for (briefly, so that their task ids reach the journal): say what
    is left and how to resume, and stop the jobs locally (the journal keeps them in
    flight: nothing is lost)."""
    left = []
    for job, index in sorted(live.jobs(), key=lambda pair: pair[1]):
        task_id = job._id or (None if job.closed else job.id)
        if task_id is not None:
            plan.note(index, "accepted", task_id=task_id)
        left.append((plan.items[index].image, task_id))
    live.abort()
    not_started = sum(1 for item in plan.items if not item.ok and item.error is None) - len(left)
    lines = [f"recraft: {plan.operation} batch interrupted: {len(left)} job(s) left running at the provider"
             + (":" if left else ".")]
    lines += [f"  {image}: task {task_id or '(no answer yet: uncertain)'}" for image, task_id in left]
    if not_started > 0:
        lines.append(f"  {not_started} input(s) not started")
    if plan.journal_path is not None:
        lines.append(f"To collect them (nothing is paid twice), with the same provider: jobs = client.resume(), "
                     f"then job.wait() and job.download() for each (saved under the batch's names; "
                     f"jobs.not_started lists the rest), or run the batch again (it skips saved results). "
                     f"Journal: {plan.journal_path}")
    else:
        lines.append("This batch kept no journal (journal=False): reopen the tasks with client.open_job(operation, "
                     "task_id).")
    bar.close()
    sys.stderr.write("\n".join(lines) + "\n")
    _log.log(_log.WARNING, "batch", "; ".join(lines))


def run_batch(client: Client, operation: str, images: Iterable[Any], *, concurrency: int,
              output_dir: str | os.PathLike[str] | None, timeout: float | None, progress: bool | None,
              on_result: Callable[[BatchItem], object] | None, options: dict[str, Any], overwrite: bool = False,
              journal: bool | str | os.PathLike[str] = True) -> list[BatchItem]:
    import concurrent.futures

    plan = _Plan(client, operation, images, concurrency, output_dir, overwrite, journal)
    live = _Live()
    bar = Progress(len(plan.items), operation, progress)

    def one(index: int) -> Result:
        job = _start(plan, live, index, options)
        try:
            try:
                job.wait(timeout)
            except RecraftTimeoutError as error:
                raise _timed_out(timeout) from error
            plan.succeeded(index, job)
            return plan.collected(index, job, collect(job, plan.targets[index]))
        except BaseException:
            job.close()
            raise
        finally:
            live.discard(job)

    plan.begin(bar)
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency,
                                                   thread_name_prefix="recraft-batch") as pool:
            futures = {pool.submit(one, index): index for index in plan.schedule(bar, on_result)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = concurrent.futures.wait(pending, timeout=0.25,
                                                            return_when=concurrent.futures.FIRST_COMPLETED)
                    for future in done:
                        error = future.exception()
                        plan.report(futures[future], error if error is not None else future.result(), bar, on_result)
                    bar.update(running=len(live))
            except KeyboardInterrupt:
                for future in pending:
                    future.cancel()
                if _stop_submitting(live):
                    deadline = time.monotonic() + SETTLE_LIMIT
                    try:
                        while live.unsettled() and time.monotonic() < deadline:
                            time.sleep(0.05)
                    except KeyboardInterrupt:
                        pass
                _interrupted(plan, live, bar)
                raise
            except BaseException:
                live.abort()
                for future in pending:
                    future.cancel()
                raise
            finally:
                bar.close()
    finally:
        plan.close()
    return plan.items


async def run_batch_async(client: Client, operation: str, images: Iterable[Any], *,
                          concurrency: int, output_dir: str | os.PathLike[str] | None, timeout: float | None,
                          progress: bool | None, on_result: Callable[[BatchItem], object] | None,
                          options: dict[str, Any], overwrite: bool = False,
                          journal: bool | str | os.PathLike[str] = True) -> list[BatchItem]:
    import asyncio

    plan = _Plan(client, operation, images, concurrency, output_dir, overwrite, journal)
    live = _Live()
    bar = Progress(len(plan.items), operation, progress)
    gate = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()

    async def one(index: int) -> Result:
        async with gate:
            job = await loop.run_in_executor(None, _start, plan, live, index, options)
            try:
                try:
                    await job.wait_async(timeout)
                except RecraftTimeoutError as error:
                    raise _timed_out(timeout) from error
                plan.succeeded(index, job)
                target = plan.targets[index]
                # Without an output, collect() only reads the results (no I/O).
                result = collect(job, None) if target is None else await loop.run_in_executor(None, collect, job,
                                                                                              target)
                return plan.collected(index, job, result)
            except BaseException:
                job.close()
                raise
            finally:
                live.discard(job)

    plan.begin(bar)
    tasks: dict[asyncio.Future[Result], int] = {}
    try:
        for index in plan.schedule(bar, on_result):
            tasks[asyncio.ensure_future(one(index))] = index
        pending = set(tasks)
        try:
            while pending:
                done, pending = await asyncio.wait(pending, timeout=0.25, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    error = task.exception()
                    plan.report(tasks[task], error if error is not None else task.result(), bar, on_result)
                bar.update(running=len(live))
        except (asyncio.CancelledError, KeyboardInterrupt):
            # Ctrl-C under asyncio.run() cancels the awaiting task: the batch's tasks go
            # on while the submits on the wire are answered, as in batch().
            if _stop_submitting(live):
                deadline = time.monotonic() + SETTLE_LIMIT
                try:
                    while live.unsettled() and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                except (asyncio.CancelledError, KeyboardInterrupt):
                    pass
            _interrupted(plan, live, bar)
            raise
        except BaseException:
            live.abort()
            raise
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for job, _ in live.jobs():  # submitted while its awaiter was being cancelled
                job.close()
    finally:
        bar.close()
        plan.close()
    return plan.items
