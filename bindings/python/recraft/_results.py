"""What the one-call helpers and the batch helper return."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import NotReadyError, RecraftError

if TYPE_CHECKING:
    from ._job import Job


@dataclass(frozen=True)
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

    id: str | None
    operation: str
    urls: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    _job: Job | None = field(default=None, repr=False, compare=False)

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


@dataclass
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

    image: str
    result: Result | None = None
    error: RecraftError | None = None
    output: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """True when the job succeeded (and its result was saved, if asked), or its result
        was already there (``skipped``)."""
        return (self.result is not None or self.skipped) and self.error is None
