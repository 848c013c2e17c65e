"""Exceptions: one base class, ``RecraftError``, and one subclass per family of
``recraft_status`` codes. Every C call's status goes through ``_check``.

The codes themselves are the library's (``RecraftError.Code.all`` in the core, the
header's ``RECRAFT_ERR_*``); tests/test_catalog.py fails unless every code there has
its class here, in ``_BY_CODE``, and exported from the package."""

from __future__ import annotations

from typing import Any


class RecraftError(Exception):
    """An error from RecraftKit.

    Attributes:
        code: the ``recraft_status`` value (``RECRAFT_ERR_*``).
        message: what happened and what to do next.
        http_status: the HTTP status of the provider's reply that caused it, if any.
        provider_code: the provider's own error code, if any.
        task_id: for an error after the provider's job succeeded (its result could not be
            saved or read), the task id: the result is paid for and not lost.
        result_url: then, the URL of the result (fetch it, or reopen the task with
            ``Client.open_job``); the message names both.
    """

    #: The status code this class stands for (``None`` for the base class).
    CODE: int | None = None

    def __init__(self, message: str, code: int | None = None, *,
                 http_status: int | None = None, provider_code: str | None = None) -> None:
        super().__init__(message)
        self.code: int = code if code is not None else (self.CODE if self.CODE is not None else 18)
        self.message = message
        self.http_status = http_status
        self.provider_code = provider_code
        self.task_id: str | None = None
        self.result_url: str | None = None

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in (("http_status", self.http_status),
                                                   ("provider_code", self.provider_code)) if v is not None)
        return f"{type(self).__name__}({self.message!r}, code={self.code}{extra})"


class InvalidArgumentError(RecraftError, ValueError):
    """A NULL, malformed or out-of-range argument: bad JSON, unknown operation, a closed object."""
    CODE = 1


class ConfigError(RecraftError, ValueError):
    """The client configuration is invalid (unknown provider, missing base_url, bad value)."""
    CODE = 2


class UnsupportedError(RecraftError):
    """The provider does not offer this operation or option; nothing was sent."""
    CODE = 3


class InvalidInputError(RecraftError, ValueError):
    """The input image was refused before anything was sent (type, size, dimensions)."""
    CODE = 4


class AuthenticationError(RecraftError):
    """The provider refused the API key, or none was given."""
    CODE = 5


class InsufficientCreditsError(RecraftError):
    """The account has no credits left."""
    CODE = 6


class RateLimitedError(RecraftError):
    """A provider rate or usage limit was hit."""
    CODE = 7


class ProviderUnavailableError(RecraftError):
    """The provider is down, in maintenance or answered with a server error."""
    CODE = 8


class NotFoundError(RecraftError):
    """The provider does not know the task id, or a result file is gone."""
    CODE = 9


class JobFailedError(RecraftError):
    """The provider ran the task and it failed."""
    CODE = 10


class RecraftTimeoutError(RecraftError, TimeoutError):
    """A deadline passed; the job is not lost and can be reopened by id."""
    CODE = 11


class CancelledError(RecraftError):
    """The job was cancelled locally."""
    CODE = 12


class NetworkError(RecraftError, ConnectionError):
    """A network failure (connection refused, reset, TLS, DNS)."""
    CODE = 13


class RecraftIOError(RecraftError, OSError):
    """A local file could not be read or written."""
    CODE = 14


class ProtocolError(RecraftError):
    """The provider's reply could not be understood."""
    CODE = 15


class SubmitUncertainError(RecraftError):
    """The submit went out but no reply came: the task may exist at the provider."""
    CODE = 16


class NotReadyError(RecraftError):
    """The job has no result yet, or none at that index."""
    CODE = 17


class InternalError(RecraftError):
    """A bug in RecraftKit; please report it with the message."""
    CODE = 18


class StoreUnavailableError(RecraftError):
    """The shared store could not be reached: no billed request was sent. Check it and retry."""
    CODE = 19


_BY_CODE: dict[int, type[RecraftError]] = {
    cls.CODE: cls for cls in (
        InvalidArgumentError, ConfigError, UnsupportedError, InvalidInputError, AuthenticationError,
        InsufficientCreditsError, RateLimitedError, ProviderUnavailableError, NotFoundError, JobFailedError,
        RecraftTimeoutError, CancelledError, NetworkError, RecraftIOError, ProtocolError,
        SubmitUncertainError, NotReadyError, InternalError, StoreUnavailableError,
    ) if cls.CODE is not None
}


def error_for(code: int, message: str, *, http_status: int | None = None,
              provider_code: str | None = None) -> RecraftError:
    """The exception for a status code: its family's class, or RecraftError for a code
    this version of the bindings does not know (codes are append-only)."""
    cls = _BY_CODE.get(code, RecraftError)
    return cls(message or f"error {code}", code, http_status=http_status, provider_code=provider_code)


def from_job_error(error: dict[str, Any]) -> RecraftError:
    """The exception for the ``error`` object of ``recraft_job_json``."""
    http_status = error.get("http_status")
    provider_code = error.get("provider_code")
    return error_for(int(error.get("code", 18)), str(error.get("message") or error.get("name") or ""),
                     http_status=int(http_status) if http_status is not None else None,
                     provider_code=str(provider_code) if provider_code is not None else None)


def after_success(error: BaseException, task_id: str | None, urls: list[str]) -> RecraftError:
    """The error to raise when saving or reading the result of a job that succeeded went
    wrong: of the same class for a RecraftError (RecraftIOError for an OSError), with the
    task id and the result URL as attributes and in the message, so that nothing paid for
    is lost. A signed URL's query string is left out of the message (it is in
    ``result_url``)."""
    url = urls[0] if urls else None
    cls: type[RecraftError] = type(error) if isinstance(error, RecraftError) else RecraftIOError
    code = error.code if isinstance(error, RecraftError) else 14
    reason = error.message if isinstance(error, RecraftError) else str(error)
    where = f"task {task_id}" if task_id else "the job"
    shown = f", result {_shown_url(url)}" if url else ""
    message = (f"{reason} (the job succeeded and is paid for: {where}{shown}; reopen it with "
               f"Client.open_job(operation, task_id) or fetch error.result_url)")
    made = cls(message, code, http_status=getattr(error, "http_status", None),
               provider_code=getattr(error, "provider_code", None))
    made.task_id = task_id
    made.result_url = url
    return made


def _shown_url(url: str) -> str:
    """A URL for a message or a log: no query string or fragment (signed URLs carry their
    token there), and a data: URL abbreviated."""
    if url.startswith("data:"):
        return url[: url.find(",") + 1] + f"... ({len(url)} characters)" if "," in url else "data:..."
    for mark in ("?", "#"):
        if mark in url:
            url = url.split(mark, 1)[0] + mark + "..."
    return url


def _check(status: int) -> None:
    """Raises the exception for ``status`` with this thread's last error message; returns
    for RECRAFT_OK. Call it right after the C call, on the same thread."""
    if status == 0:
        return
    from ._ffi import lib, text

    message = text(lib.recraft_last_error_message()) or ""
    raise error_for(int(status), message)
