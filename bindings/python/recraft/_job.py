"""Job: one operation at a provider, from submit to result."""

from __future__ import annotations

import ctypes
import enum
import json
import os
import re
import time
from typing import Any
from urllib.parse import urlsplit

from ._ffi import encode, lib, recraft_state, take_string, text
from ._handle import _Owned
from .errors import NotReadyError, _check, error_for, from_job_error


class JobState(str, enum.Enum):
    """Where a job is in its life (``recraft_state``)."""

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
        return self in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)

    def __str__(self) -> str:
        return self.value


_STATES = {0: JobState.PENDING, 1: JobState.RUNNING, 2: JobState.SUCCEEDED, 3: JobState.FAILED, 4: JobState.CANCELLED}

#: How long one blocking C wait lasts at most, so Ctrl-C is seen between slices.
_WAIT_SLICE_MS = 250


def _state(value: int) -> JobState:
    try:
        return _STATES[value]
    except KeyError:
        raise error_for(18, f"the library reported an unknown job state {value}") from None


class Job(_Owned):
    """A job. Made by ``Client.submit`` or ``Client.open_job``; safe to use from several
    threads. The work runs in the library's background threads: ``state`` and ``poll()``
    never block, ``wait()`` does (without holding the GIL).

    Closing a job that is still running cancels it locally (the provider's task, if it
    has an id, can be reopened with ``Client.open_job``).
    """

    _kind = "Job"

    def __init__(self, pointer: Any, operation: str) -> None:
        super().__init__(pointer, lib.recraft_job_free)
        self.operation = operation

    def __repr__(self) -> str:
        if self.closed:
            return f"<recraft.Job {self.operation} closed>"
        return f"<recraft.Job {self.operation} id={self.id!r} state={self.state.value}>"

    @property
    def id(self) -> str | None:
        """The provider's task id; None until the provider has accepted the task."""
        return text(lib.recraft_job_id(self._ptr))

    @property
    def state(self) -> JobState:
        """The state the background engine last saw (does not block)."""
        return self.poll()

    def poll(self) -> JobState:
        """The state the background engine last saw, without blocking."""
        out = recraft_state(0)
        _check(lib.recraft_job_poll(self._ptr, ctypes.byref(out)))
        return _state(out.value)

    def wait(self, timeout: float | None = None) -> JobState:
        """Blocks until the job ends or ``timeout`` seconds pass (None: no limit but the
        job's own deadline). Returns the state: SUCCEEDED, or PENDING/RUNNING when the
        timeout passed first (the job goes on; wait again). Raises the job's error when it
        failed (JobFailedError, AuthenticationError, ...) or CancelledError."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        out = recraft_state(0)
        while True:
            if deadline is None:
                slice_ms = _WAIT_SLICE_MS
            else:
                slice_ms = max(0, min(_WAIT_SLICE_MS, int((deadline - time.monotonic()) * 1000)))
            _check(lib.recraft_job_wait(self._ptr, slice_ms, ctypes.byref(out)))
            state = _state(out.value)
            if state.is_terminal or (deadline is not None and time.monotonic() >= deadline):
                break
        if state in (JobState.FAILED, JobState.CANCELLED):
            raise self.error() or error_for(10 if state is JobState.FAILED else 12, f"the job {state.value}")
        return state

    def error(self) -> Exception | None:
        """The job's error as an exception (not raised), or None while it has none."""
        error = self.to_dict().get("error")
        if error:
            return from_job_error(error)
        code = int(lib.recraft_job_error_code(self._ptr))
        if code == 0:
            return None
        return error_for(code, text(lib.recraft_job_error_message(self._ptr)) or "")

    @property
    def results(self) -> list[str]:
        """The result URLs (a data: URL for a result sent inline); empty until the job
        has succeeded."""
        pointer = self._ptr
        urls = []
        for index in range(int(lib.recraft_job_result_count(pointer))):
            url = text(lib.recraft_job_result_url(pointer, index))
            if url is not None:
                urls.append(url)
        return urls

    def download(self, path: str | os.PathLike[str], index: int = 0) -> str:
        """Saves result ``index`` to ``path``, a file or an existing directory to save
        into, and returns the file's path. Blocks until done; the file appears whole or
        not at all. Raises NotReadyError before the job has succeeded, the job's error
        after it failed."""
        if not isinstance(index, int) or index < 0:
            raise NotReadyError(f"index must be a non-negative int, not {index!r}")
        target = os.fspath(path)
        if os.path.isdir(target):
            target = os.path.join(target, self._file_name(index))
        _check(lib.recraft_job_download(self._ptr, index, encode(target, "path")))
        return target

    def _file_name(self, index: int) -> str:
        # The name the library gives a download into a directory: <id>-<index>.<ext>.
        base = re.sub(r"[^\w-]", "", self.id or "", flags=re.ASCII) or "job"
        results = self.results
        ext = "bin"
        if index < len(results):
            url = results[index]
            if url.startswith("data:"):
                mime = url[5:].split(";", 1)[0].split(",", 1)[0]
                ext = "svg" if mime.endswith("/svg+xml") else (mime.rsplit("/", 1)[-1] or "bin")
            else:
                last = urlsplit(url).path.rsplit("/", 1)[-1]
                if "." in last:
                    ext = last.rsplit(".", 1)[-1]
        return f"{base}-{index}.{ext}"

    def cancel(self) -> None:
        """Cancels the job locally; waiters return at once. The provider cannot be told:
        a task it accepted may still run, and can be reopened by id."""
        _check(lib.recraft_job_cancel(self._ptr))

    def to_dict(self) -> dict[str, Any]:
        """The job as a dict: id, operation, state, provider_state, results, error
        {code, name, message, http_status, provider_code}, polls."""
        raw = take_string(lib.recraft_job_json(self._ptr))
        if raw is None:
            _check(int(lib.recraft_last_error_code()) or 18)
            return {}
        value: dict[str, Any] = json.loads(raw)
        return value
