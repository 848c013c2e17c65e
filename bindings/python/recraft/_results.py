"""What the one-call helpers and the batch helper return."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .errors import NotReadyError, RecraftError

if TYPE_CHECKING:
    from ._job import Job


class Result:
    """A finished job: what ``Client.run`` and the helpers (``crisp_upscale``, ...)
    return.

    Attributes:
        id: the provider's task id (or Recraft's image id).
        operation: the operation's name, e.g. "crisp_upscale".
        urls: the result URLs (a data: URL for a result sent inline).
        files: where the results were saved; empty when no output was asked for.

    ``read()`` gives a result's bytes: from the saved file, or (no output asked for)
    downloaded from the job, which the Result keeps for that.
    """

    # Written out rather than a frozen @dataclass: `dataclasses` imports `inspect` (and
    # `ast`, `dis`, `tokenize`), about 5 ms of `import recraft` (bench/ANALYSIS.md).
    __slots__ = ("id", "operation", "urls", "files", "_job")
    id: str | None
    operation: str
    urls: list[str]
    files: list[str]
    _job: Job | None

    def __init__(self, id: str | None, operation: str, urls: list[str] | None = None, files: list[str] | None = None,
                 _job: Job | None = None) -> None:
        for name, value in (("id", id), ("operation", operation), ("urls", [] if urls is None else urls),
                            ("files", [] if files is None else files), ("_job", _job)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a Result is frozen")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a Result is frozen")

    def __repr__(self) -> str:
        return f"Result(id={self.id!r}, operation={self.operation!r}, urls={self.urls!r}, files={self.files!r})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Result)
        return (self.id, self.operation, self.urls, self.files) == (other.id, other.operation, other.urls, other.files)

    __hash__ = None  # type: ignore[assignment]  # equal by value, and its lists are mutable

    @property
    def path(self) -> str | None:
        """The first saved file, or None when nothing was saved."""
        return self.files[0] if self.files else None

    def read(self, index: int = 0) -> bytes:
        """Result ``index`` as bytes: the saved file's, else downloaded (each call
        downloads again; nothing is paid again). Raises NotReadyError when there is no
        such result; an error while downloading carries ``task_id`` and ``result_url``."""
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise NotReadyError(f"index must be a non-negative int, not {index!r}")
        if index < len(self.files) and os.path.isfile(self.files[index]):
            with open(self.files[index], "rb") as file:
                return file.read()
        if index >= len(self.urls):
            raise NotReadyError(f"the job has {len(self.urls)} result(s), no result {index}")
        if self._job is None or self._job.closed:
            raise NotReadyError("this Result keeps no job to download from (its file is gone): fetch "
                                f"{self.urls[index][:80]} or reopen task {self.id} with Client.open_job")
        return self._job.read(index)

    async def read_async(self, index: int = 0) -> bytes:
        """``read()`` in the event loop's default executor, so the loop never blocks."""
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, self.read, index)


class BatchItem:
    """One input of ``Client.batch``: its result, or the error that stopped it.

    Attributes:
        image: the input, as given.
        result: the finished job, when it succeeded.
        error: the RecraftError it failed with, otherwise.
        output: where its result is saved (None without an output_dir); for a skipped
            input, the result already there.
        skipped: True when the result was already there, so nothing was submitted.
    """

    # Written out rather than a @dataclass: see Result.
    def __init__(self, image: str, result: Result | None = None, error: RecraftError | None = None,
                 output: str | None = None, skipped: bool = False) -> None:
        self.image = image
        self.result = result
        self.error = error
        self.output = output
        self.skipped = skipped

    def __repr__(self) -> str:
        return (f"BatchItem(image={self.image!r}, result={self.result!r}, error={self.error!r}, "
                f"output={self.output!r}, skipped={self.skipped!r})")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, BatchItem)
        return ((self.image, self.result, self.error, self.output, self.skipped)
                == (other.image, other.result, other.error, other.output, other.skipped))

    __hash__ = None  # type: ignore[assignment]  # mutable, equal by value (as the dataclass was)

    @property
    def ok(self) -> bool:
        """True when the job succeeded (and its result was saved, if asked), or its result
        was already there (``skipped``)."""
        return (self.result is not None or self.skipped) and self.error is None
