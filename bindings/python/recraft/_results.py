"""What the one-call helpers and the batch helper return."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import RecraftError


@dataclass(frozen=True)
class Result:
    """A finished job: what ``Client.run`` and the helpers (``crisp_upscale``, ...)
    return.

    Attributes:
        id: the provider's task id (or Recraft's image id).
        operation: the operation's name, e.g. "crisp_upscale".
        urls: the result URLs (a data: URL for a result sent inline).
        files: where the results were saved; empty when no output was asked for.
    """

    id: str | None
    operation: str
    urls: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def path(self) -> str | None:
        """The first saved file, or None when nothing was saved."""
        return self.files[0] if self.files else None


@dataclass
class BatchItem:
    """One input of ``Client.batch``: its result, or the error that stopped it.

    Attributes:
        image: the input, as given.
        result: the finished job, when it succeeded.
        error: the RecraftError it failed with, otherwise.
        output: where its result is saved (None without an output_dir).
    """

    image: str
    result: Result | None = None
    error: RecraftError | None = None
    output: str | None = None

    @property
    def ok(self) -> bool:
        """True when the job succeeded (and its result was saved, if asked)."""
        return self.result is not None and self.error is None
