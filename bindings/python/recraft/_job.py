"""Job: one operation at a provider, from submit to result."""

from __future__ import annotations

import ctypes
import enum
import json
import os
import threading
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterator, Optional

from . import _callbacks, _log
from ._ffi import encode, lib, recraft_state, take_string, text
from ._handle import _Owned
from .errors import (InvalidArgumentError, NotReadyError, RecraftError, RecraftTimeoutError, _check, after_success,
                     error_for, from_job_error)

if TYPE_CHECKING:  # asyncio is imported by the first coroutine, not by ``import recraft``
    import asyncio

    from ._output import Target


class JobState(str, enum.Enum):
    """Where a job is in its life (``recraft_state``). A str, so ``state == "succeeded"``
    works too."""

    PENDING = "pending"
    """Accepted locally; the input is being uploaded or the task created."""
    RUNNING = "running"
    """The provider has the task and is working on it."""
    SUCCEEDED = "succeeded"
    """Finished with results."""
    FAILED = "failed"
    """Finished without results; the job's error says why."""
    CANCELLED = "cancelled"
    """Cancelled locally."""

    @property
    def is_terminal(self) -> bool:
        """True for SUCCEEDED, FAILED and CANCELLED: the state will not change again."""
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)

    def __str__(self) -> str:
        return self.value


_STATES = {0: JobState.PENDING, 1: JobState.RUNNING, 2: JobState.SUCCEEDED, 3: JobState.FAILED, 4: JobState.CANCELLED}

#: How long one blocking C wait lasts at most, so Ctrl-C is seen between slices.
_WAIT_SLICE_MS = 250
#: How often a wait with ``on_change`` (or ``states()``) looks at the state.
_WATCH_INTERVAL = 0.1

#: What ``on_change`` gets: each new state, in order.
StateCallback = Callable[[JobState], object]


def _state(value: int) -> JobState:
    try:
        return _STATES[value]
    except KeyError:
        raise error_for(18, f"the library reported an unknown job state {value}") from None


def _free_job(pointer: Any) -> None:
    # A completion callback must not free its job: from there, free it on another thread.
    if _callbacks.in_callback():
        try:
            threading.Thread(target=lib.recraft_job_free, args=(pointer,), name="recraft-free", daemon=True).start()
        except RuntimeError:  # the interpreter is shutting down: the process frees it all
            pass
    else:
        lib.recraft_job_free(pointer)


def _resolve(future: asyncio.Future[Optional[int]], state: Optional[int]) -> None:
    if not future.done():
        future.set_result(state)


class Job(_Owned):
    """A job. Made by ``Client.submit`` or ``Client.open_job``; safe to use from several
    threads. The work runs in the library's background threads: ``state`` and ``poll()``
    never block, ``wait()`` and ``download()`` do (without holding the GIL), and
    ``wait_async()`` waits without a thread at all.

    Closing a job that is still running cancels it locally (the provider's task, if it
    has an id, can be reopened with ``Client.open_job``).
    """

    _kind = "Job"

    def __init__(self, pointer: Any, operation: str, image: str | None = None) -> None:
        completion = _callbacks.Completion()

        def free(job: Any) -> None:
            _free_job(job)
            completion.abandon()

        super().__init__(pointer, free, interrupt=lib.recraft_job_cancel)
        #: The operation's name, e.g. "crisp_upscale".
        self.operation = operation
        #: The input when the job was submitted here (a path or URL, or the name of a bytes
        #: or file-object input: its ``name``, else "image"); for a job ``resume()``
        #: reopened, the input it was submitted for; else None.
        self.image = image
        self._completion = completion
        self._register_lock = threading.Lock()
        self._id: str | None = None
        self._seen: JobState | None = None
        #: Where ``download()`` with no path saves (a job ``resume()`` reopened: the
        #: output its batch planned), and who hears of each saved file.
        self._target: Target | None = None
        self._on_saved: Callable[[str], None] | None = None

    @property
    def output(self) -> str | None:
        """For a job ``Client.resume()`` reopened, where its batch meant to save it (a
        job of no batch planned on this machine: beside its input): the file, or the
        folder and stem (``out/photo.crisp-upscale``) its extension is added to.
        ``download()`` with no path saves there. None otherwise."""
        return None if self._target is None else self._target.path

    def __repr__(self) -> str:
        if self.closed:
            return f"<recraft.Job {self.operation} id={self._id!r} closed>"
        return f"<recraft.Job {self.operation} id={self.id!r} state={self.state.value}>"

    # ------------------------------------------------------------------ state

    @property
    def id(self) -> str | None:
        """The provider's task id; None until the provider has accepted the task. Keep it
        to reopen the job later with ``Client.open_job``. Still readable after
        ``close()`` (the id the job had then)."""
        if self._id is None and not self.closed:
            try:
                with self._use() as job:
                    self._id = text(lib.recraft_job_id(job))
            except InvalidArgumentError:  # closed meanwhile
                pass
        return self._id

    def close(self) -> None:
        """Frees the job; a job still running is cancelled locally first (its task, if
        the provider has it, can be reopened by ``id``). Safe to call more than once."""
        if not self.closed:
            self.id  # noqa: B018 - kept for after the close
        super().close()

    @property
    def state(self) -> JobState:
        """The state the background engine last saw (does not block)."""
        return self.poll()

    def poll(self) -> JobState:
        """The state the background engine last saw, without blocking."""
        out = recraft_state(0)
        with self._use() as job:
            _check(lib.recraft_job_poll(job, ctypes.byref(out)))
        return self._observe(_state(out.value))

    def _observe(self, state: JobState) -> JobState:
        """Logs each state the bindings see for the first time (at info for the end)."""
        if state is not self._seen:
            self._seen = state
            level = _log.INFO if state.is_terminal else _log.DEBUG
            if _log.enabled(level):
                task = self._id or (None if self.closed else self.id)
                _log.log(level, "state", f"job {self.operation} {task or '(no task id yet)'}: {state.value}",
                         task_id=task, state=state.value)
        return state

    def wait(self, timeout: float | None = None, *, on_change: StateCallback | None = None) -> JobState:
        """Blocks until the job ends; returns JobState.SUCCEEDED.

        Raises the job's error when it failed (JobFailedError, AuthenticationError,
        NetworkError, ...), CancelledError when it was cancelled, RecraftTimeoutError
        (a TimeoutError) when ``timeout`` seconds passed first (the job goes on: wait
        again), and what a callback added with ``add_done_callback`` raised.
        ``on_change(state)`` is called on this thread with each new state (PENDING,
        RUNNING, then the final one); what it raises propagates from here.
        The GIL is released while the library waits; Ctrl-C interrupts the wait.
        """
        _log.log(_log.DEBUG, "wait", f"waiting for job {self.operation} {self._id or ''} "
                 f"(timeout {'none' if timeout is None else f'{timeout:g} s'})", task_id=self._id)
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        slice_ms = _WAIT_SLICE_MS if on_change is None else int(_WATCH_INTERVAL * 1000)
        out = recraft_state(0)
        last: JobState | None = None
        with self._use() as job:
            while True:
                wait_ms = slice_ms
                if deadline is not None:
                    wait_ms = max(0, min(slice_ms, int((deadline - time.monotonic()) * 1000)))
                _check(lib.recraft_job_wait(job, wait_ms, ctypes.byref(out)))
                state = self._observe(_state(out.value))
                if on_change is not None and state is not last:
                    last = state
                    on_change(state)
                if state.is_terminal:
                    return self._finish(job, state, block=True)
                if deadline is not None and time.monotonic() >= deadline:
                    raise self._timeout(timeout, state)

    async def wait_async(self, timeout: float | None = None, *,
                         on_change: StateCallback | None = None) -> JobState:
        """``wait()`` for asyncio: the same result and errors, and the event loop never
        blocks. No thread waits either: the library's completion callback resolves a
        future through ``loop.call_soon_threadsafe``, so thousands of jobs can be awaited
        together (``asyncio.gather``). ``on_change`` is called on the event loop; with it,
        the state is looked at (without blocking) every 0.1 s.
        """
        import asyncio

        loop = asyncio.get_running_loop()
        future: asyncio.Future[Optional[int]] = loop.create_future()

        def listener(state: Optional[int]) -> None:
            try:
                loop.call_soon_threadsafe(_resolve, future, state)
            except RuntimeError:  # the loop is closed: nobody waits any more
                pass

        self._listen(listener, user=False)
        last: JobState | None = None
        try:
            if on_change is None:
                await asyncio.wait_for(asyncio.shield(future), timeout)
            else:
                deadline = None if timeout is None else loop.time() + max(0.0, timeout)
                while not future.done():
                    state = self.poll()
                    if state is not last:
                        last = state
                        on_change(state)
                    step = _WATCH_INTERVAL if deadline is None else min(_WATCH_INTERVAL, deadline - loop.time())
                    if step <= 0:
                        raise asyncio.TimeoutError
                    await asyncio.wait({future}, timeout=step)
        except asyncio.TimeoutError:
            raise self._timeout(timeout, self.poll()) from None
        finally:
            if not future.done():
                self._completion.remove(listener)
        final = future.result()
        if final is None:
            raise InvalidArgumentError("this Job was closed while it was awaited")
        state = self._observe(_state(final))
        if on_change is not None and state is not last:
            on_change(state)
        with self._use() as job:
            return self._finish(job, state, block=False)

    def states(self, interval: float = _WATCH_INTERVAL) -> Iterator[JobState]:
        """Yields the job's state each time it changes, from the current one to the final
        one (SUCCEEDED, FAILED or CANCELLED), then stops; it does not raise for a failed
        job (``wait()`` or ``error()`` then say why). Looks every ``interval`` seconds,
        blocking without the GIL in between."""
        out = recraft_state(0)
        last: JobState | None = None
        while True:
            with self._use() as job:
                _check(lib.recraft_job_wait(job, max(0, int(interval * 1000)), ctypes.byref(out)))
            state = self._observe(_state(out.value))
            if state is not last:
                last = state
                yield state
            if state.is_terminal:
                return

    async def astates(self, interval: float = _WATCH_INTERVAL) -> AsyncIterator[JobState]:
        """``states()`` for asyncio: ``async for state in job.astates(): ...``."""
        import asyncio

        last: JobState | None = None
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[Optional[int]] = loop.create_future()

        def listener(state: Optional[int]) -> None:
            try:
                loop.call_soon_threadsafe(_resolve, ended, state)
            except RuntimeError:
                pass

        self._listen(listener, user=False)
        try:
            while True:
                state = self.poll()
                if state is not last:
                    last = state
                    yield state
                if state.is_terminal:
                    return
                await asyncio.wait({ended}, timeout=interval)
        finally:
            if not ended.done():
                self._completion.remove(listener)

    def add_done_callback(self, callback: Callable[[Job], object]) -> None:
        """Calls ``callback(job)`` once when the job ends (at once if it has), on a library
        thread: keep it short, and do not block on other jobs' callbacks there. It may
        use the job (download, results, ...). What it raises is kept and raised again by
        the next ``wait()`` / ``wait_async()`` of the job. The job stays alive until the
        callback has run."""
        if not callable(callback):
            raise InvalidArgumentError(f"callback must be callable, not {type(callback).__name__}")
        self._listen(lambda state: callback(self), user=True)

    # ------------------------------------------------------------------ results

    def error(self) -> Exception | None:
        """The job's error as an exception (not raised), or None while it has none."""
        with self._use() as job:
            return self._error(job)

    @property
    def results(self) -> list[str]:
        """The result URLs (a data: URL for a result sent inline); empty until the job
        has succeeded."""
        urls = []
        with self._use() as job:
            for index in range(int(lib.recraft_job_result_count(job))):
                url = text(lib.recraft_job_result_url(job, index))
                if url is not None:
                    urls.append(url)
        return urls

    def download(self, path: str | os.PathLike[str] | None = None, index: int = 0, *,
                 overwrite: bool = False) -> str:
        """Saves result ``index`` and returns the file's path. ``path``: a file, or a
        folder (an existing one, or a str ending with ``/``, created) to save into under
        ``file_name(index)`` (``photo.crisp-upscale.png``); None: where ``resume()`` says the job's batch meant it
        (``output``), else the current folder. An existing file is kept unless
        ``overwrite=True``, and a path that does not exist and has no extension is
        refused (it would become a file, not the folder meant). Blocks until done
        (without the GIL); the file appears whole or not at all. Raises NotReadyError
        before the job has succeeded, the job's error after it failed; an error after it
        succeeded carries ``task_id`` and ``result_url``."""
        from . import _output

        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise NotReadyError(f"index must be a non-negative int, not {index!r}")
        if path is None and self._target is not None:
            target = self._target.file(self, index)
            if not self._target.exact:
                _output.make_folder(os.path.dirname(target) or ".")
            overwrite = overwrite or self._target.overwrite
        else:
            target = os.fspath(path if path is not None else ".")
            if _output.is_folder(target):
                _output.make_folder(target)
                target = os.path.join(target, self.file_name(index))
            else:
                _output.check_file(target)
        try:
            if not overwrite:
                _output.refuse_existing(target if os.path.lexists(target) else None)
            saved = self._download_file(target, index)
        except (RecraftError, OSError) as error:
            if self.closed or self.poll() is not JobState.SUCCEEDED:
                raise
            raise after_success(error, self.id, self.results[index:] or self.results) from error
        if self._on_saved is not None:
            self._on_saved(saved)
        return saved

    async def download_async(self, path: str | os.PathLike[str] | None = None, index: int = 0, *,
                             overwrite: bool = False) -> str:
        """``download()`` in the event loop's default executor, so the loop never blocks."""
        import asyncio
        import functools

        call = functools.partial(self.download, path, index, overwrite=overwrite)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def read(self, index: int = 0) -> bytes:
        """Result ``index`` as bytes, without a path from the caller (each call downloads
        it again; nothing is paid again). Raises like ``download()``."""
        from ._output import read_bytes

        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise NotReadyError(f"index must be a non-negative int, not {index!r}")
        return read_bytes(self, index)

    async def read_async(self, index: int = 0) -> bytes:
        """``read()`` in the event loop's default executor, so the loop never blocks."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.read, index)

    def _download_file(self, path: str, index: int) -> str:
        """The library's download of result ``index`` to the file ``path``, logged."""
        from ._output import timed

        with timed("download", f"download of result {index} of job {self._id} to {path}", self._id):
            with self._use() as job:
                _check(lib.recraft_job_download(job, index, encode(path, "path")))
        return path

    def file_name(self, index: int = 0, stem: str | None = None) -> str:
        """The file name a download of result ``index`` into a directory gets:
        ``<stem>.<ext>``, the stem, unless given, after the input and operation
        (``photo.crisp-upscale``, ``-<index>`` after the first result; ``<id>-<index>``
        for a job from ``open_job``), the extension from the result's URL, MIME type or
        magic bytes (else the input's, else png). The library's one naming rule
        (``recraft_job_file_name``), the same as C's and the CLI's."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise NotReadyError(f"index must be a non-negative int, not {index!r}")
        out = ctypes.c_void_p()
        with self._use() as job:
            _check(lib.recraft_job_file_name(job, index, None if stem is None else encode(stem, "stem"),
                                             ctypes.byref(out)))
        return take_string(out.value) or ""

    def cancel(self) -> None:
        """Cancels the job locally, from any thread; waiters return at once (and raise
        CancelledError). The provider cannot be told: a task it accepted may still run,
        and can be reopened by id."""
        with self._use() as job:
            _check(lib.recraft_job_cancel(job))

    @property
    def credits_consumed(self) -> float | None:
        """The credits the job consumed, in the provider's unit (kie credits, Recraft API
        units), or None while the provider has not said (it says when the job succeeds)."""
        value = self.to_dict().get("credits_consumed")
        return None if value is None else float(value)

    def to_dict(self) -> dict[str, Any]:
        """The job as a dict: id, operation, state, provider_state, results, error
        {code, name, message, http_status, provider_code}, polls, credits_consumed."""
        with self._use() as job:
            return self._json(job)

    # ------------------------------------------------------------------ internals

    def _json(self, job: Any) -> dict[str, Any]:
        raw = take_string(lib.recraft_job_json(job))
        if raw is None:
            _check(int(lib.recraft_last_error_code()) or 18)
            return {}
        value: dict[str, Any] = json.loads(raw)
        return value

    def _error(self, job: Any) -> Exception | None:
        error = self._json(job).get("error")
        if error:
            return from_job_error(error)
        code = int(lib.recraft_job_error_code(job))
        if code == 0:
            return None
        return error_for(code, text(lib.recraft_job_error_message(job)) or "")

    def _finish(self, job: Any, state: JobState, *, block: bool) -> JobState:
        """After the end: what a done callback raised, else the job's own error."""
        completion = self._completion
        if block and completion.has_user_callbacks and not _callbacks.in_callback():
            while not completion.done.wait(0.25):  # in slices, so that Ctrl-C is seen
                pass
        raised = completion.take_error()
        if raised is not None:
            raise raised
        if state is JobState.SUCCEEDED:
            return state
        raise self._error(job) or error_for(10 if state is JobState.FAILED else 12, f"the job {state.value}")

    def _timeout(self, timeout: float | None, state: JobState) -> RecraftTimeoutError:
        task = f", or reopen task {self._id} later with Client.open_job" if self._id else ""
        return RecraftTimeoutError(f"the job is still {state.value} after {timeout or 0:g} s; it goes on: "
                                   f"wait again{task}")

    def _listen(self, listener: _callbacks.Listener, *, user: bool) -> None:
        """Adds a listener to the job's end, asking the library for its completion
        callback the first time."""
        with self._use() as job:
            self._id = self._id or text(lib.recraft_job_id(job))
            completion = self._completion
            with self._register_lock:
                if completion.ident is None:
                    ident = _callbacks.register(completion)
                    try:
                        _check(lib.recraft_job_on_complete(job, _callbacks.trampoline, ident))
                    except BaseException:
                        _callbacks.unregister(ident)
                        raise
                    completion.ident = ident
            completion.add(listener, user=user)

