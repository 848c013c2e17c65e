"""Client: one provider, its configuration and connections."""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any

from ._ffi import encode, lib, recraft_client_p, recraft_job_p
from ._handle import _Owned
from ._job import Job
from .errors import InvalidArgumentError, _check


class Client(_Owned):
    """A client for one provider, safe to share between threads.

    ``Client(provider="kie")`` takes the API key from the provider's environment
    variable; ``Client(provider="sandbox", base_url="http://127.0.0.1:8080")`` talks to
    the local emulator. Other keyword arguments are configuration keys of the C API
    (``timeout_ms``, ``max_retries``, ``poll_initial_ms``, ...); None values are left out.

    Use it as a context manager, or call ``close()``; jobs it submitted keep working
    after it is closed.
    """

    _kind = "Client"

    def __init__(self, provider: str, api_key: str | None = None, base_url: str | None = None,
                 **config: Any) -> None:
        settings: dict[str, Any] = {"provider": provider, "api_key": api_key, "base_url": base_url, **config}
        self.provider = provider
        config_json = json.dumps({k: v for k, v in settings.items() if v is not None})
        out = recraft_client_p()
        _check(lib.recraft_client_new(encode(config_json, "config"), ctypes.byref(out)))
        super().__init__(out, lib.recraft_client_free)

    def __repr__(self) -> str:
        return f"<recraft.Client {self.provider}{' closed' if self.closed else ''}>"

    def submit(self, operation: str, image: str | os.PathLike[str], callback_url: str | None = None,
               **options: Any) -> Job:
        """Submits ``operation`` (e.g. "crisp_upscale") on ``image``, a local path or an
        http(s) URL, and returns the Job at once; the work goes on in the background.
        ``options`` are the operation's options. Raises InvalidArgumentError,
        UnsupportedError or InvalidInputError without sending anything when the request
        cannot be made."""
        if not isinstance(operation, str):
            raise InvalidArgumentError(f"operation must be a str, not {type(operation).__name__}")
        request: dict[str, Any] = {"operation": operation, "image": os.fspath(image)}
        if callback_url is not None:
            request["callback_url"] = callback_url
        if options:
            request["options"] = options
        out = recraft_job_p()
        _check(lib.recraft_submit(self._ptr, encode(json.dumps(request), "request"), ctypes.byref(out)))
        return Job(out, operation)

    def open_job(self, operation: str, job_id: str) -> Job:
        """Re-attaches to a task the provider already has, by its id (``Job.id``), to wait
        for it and download its results. Nothing is submitted or paid again."""
        out = recraft_job_p()
        _check(lib.recraft_job_open(self._ptr, encode(operation, "operation"), encode(job_id, "job_id"),
                                    ctypes.byref(out)))
        return Job(out, operation)
