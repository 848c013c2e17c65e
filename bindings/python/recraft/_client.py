"""Client: one provider, its configuration and connections."""

from __future__ import annotations

import ctypes
import json
import os
from typing import Any, Mapping

from ._ffi import encode, lib, recraft_client_p, recraft_job_p, take_string
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

    def journal(self) -> dict[str, Any]:
        """What the client's journal (config key ``journal_path``) holds:
        ``{"entries": [{"ref", "status", "provider", "operation", "image", "task_id",
        "results", "error"}], "problems": [...]}``. An entry's status is "not_sent" (safe to
        submit again), "uncertain" (the billed request went out, no reply was recorded),
        "in_flight" (reopen it with ``open_job`` and its task_id), "succeeded", "failed" or
        "cancelled". Raises ConfigError when the client has no journal."""
        return self._json_call(lambda out: lib.recraft_journal_list(self._ptr, out))

    def handle_callback(self, body: str | bytes, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Feeds in a callback request the provider POSTed to a job's ``callback_url``:
        its body and headers. With ``webhook_secret`` configured the signature is checked
        first (AuthenticationError when it is wrong or missing). A waiting job of this
        client for the task completes at once. Returns ``{"task_id", "state", "results",
        "error"}``. Idempotent."""
        body_c = encode(body, "body") if isinstance(body, str) else _raw_bytes(body, "body")
        headers_c = None if headers is None else encode(json.dumps(dict(headers)), "headers")
        return self._json_call(lambda out: lib.recraft_callback_handle(self._ptr, body_c, headers_c, out))

    @staticmethod
    def _json_call(call: Any) -> dict[str, Any]:
        out = ctypes.c_void_p()
        _check(call(ctypes.byref(out)))
        raw = take_string(out.value)
        value: dict[str, Any] = json.loads(raw) if raw else {}
        return value


def _raw_bytes(value: bytes, name: str) -> bytes:
    if b"\0" in value:
        raise InvalidArgumentError(f"{name} contains a NUL byte")
    return value
