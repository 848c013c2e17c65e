"""Client: one provider, its configuration and connections."""

from __future__ import annotations

import asyncio
import ctypes
import functools
import json
import math
import os
from typing import Any, Callable, Iterable, Mapping

from ._ffi import encode, lib, recraft_client_p, recraft_job_p, take_string
from ._handle import _Owned
from ._job import Job, StateCallback
from ._output import collect
from ._results import BatchItem, Result
from .errors import ConfigError, InvalidArgumentError, RecraftTimeoutError, _check

#: Keyword arguments of Client given in seconds, and the config keys they set.
_SECONDS = {"timeout": "timeout_ms", "connect_timeout": "connect_timeout_ms",
            "stall_timeout": "stall_timeout_ms", "job_timeout": "job_timeout_ms",
            "download_timeout": "download_timeout_ms"}


def _milliseconds(name: str, value: float) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be a number of seconds >= 0, not {value!r}")
    return int(round(value * 1000))


class Client(_Owned):
    """A client for one provider, safe to share between threads and event loops.

    ``Client("kie")`` takes the API key from the provider's environment variable
    (KIE_API_KEY); ``Client("sandbox", base_url="http://127.0.0.1:8080")`` talks to the
    local emulator. Times are in seconds (``timeout`` per API request, ``connect_timeout``,
    ``stall_timeout`` with no byte received, ``job_timeout`` for a whole job,
    ``download_timeout`` for one result download). With
    ``journal_path`` every submission is recorded, so ``resume()`` can collect what a
    crash left running; ``webhook_secret`` checks the signature of callbacks fed to
    ``handle_callback``. Other keyword arguments are configuration keys of the C API as
    they are (``poll_initial_ms``, ``submit_rate_limit="20/10s"``, ``max_download_bytes``,
    ``allow_insecure_http``, ...); an unknown key is a ConfigError, not ignored.

    Use it as a context manager (``with`` or ``async with``), or call ``close()``; jobs it
    submitted keep working after it is closed.
    """

    _kind = "Client"

    def __init__(self, provider: str, api_key: str | None = None, base_url: str | None = None, *,
                 upload_url: str | None = None, timeout: float | None = None,
                 connect_timeout: float | None = None, stall_timeout: float | None = None,
                 job_timeout: float | None = None, download_timeout: float | None = None,
                 max_retries: int | None = None,
                 journal_path: str | os.PathLike[str] | None = None, webhook_secret: str | None = None,
                 **config: Any) -> None:
        settings: dict[str, Any] = {"provider": provider, "api_key": api_key, "base_url": base_url,
                                    "upload_url": upload_url, "max_retries": max_retries,
                                    "webhook_secret": webhook_secret,
                                    "journal_path": None if journal_path is None else os.fspath(journal_path)}
        seconds = {"timeout": timeout, "connect_timeout": connect_timeout, "stall_timeout": stall_timeout,
                   "job_timeout": job_timeout, "download_timeout": download_timeout}
        for name, value in seconds.items():
            if value is None:
                continue
            key = _SECONDS[name]
            if config.get(key) is not None:
                raise ConfigError(f"give {name} (seconds) or {key} (milliseconds), not both")
            settings[key] = _milliseconds(name, value)
        for key, value in config.items():
            settings.setdefault(key, value)
        self.provider = provider
        try:
            config_json = json.dumps({k: v for k, v in settings.items() if v is not None})
        except (TypeError, ValueError) as error:
            raise ConfigError(f"the configuration cannot be written as JSON: {error}") from None
        out = recraft_client_p()
        _check(lib.recraft_client_new(encode(config_json, "config"), ctypes.byref(out)))
        super().__init__(out, lib.recraft_client_free)

    def __repr__(self) -> str:
        return f"<recraft.Client {self.provider}{' closed' if self.closed else ''}>"

    async def __aenter__(self) -> Client:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ jobs

    def submit(self, operation: str, image: str | os.PathLike[str], *, callback_url: str | None = None,
               **options: Any) -> Job:
        """Submits ``operation`` (e.g. "crisp_upscale") on ``image``, a local path or an
        http(s) URL, and returns the Job at once; the work goes on in the background.
        ``options`` are the operation's options (``scale=4``, ``output_format="png"``).
        Raises InvalidArgumentError, UnsupportedError or InvalidInputError without
        sending anything when the request cannot be made."""
        if not isinstance(operation, str):
            raise InvalidArgumentError(f"operation must be a str, not {type(operation).__name__}")
        if not isinstance(image, (str, os.PathLike)):
            raise InvalidArgumentError(f"image must be a path or URL, not {type(image).__name__}")
        path = os.fspath(image)
        request: dict[str, Any] = {"operation": operation, "image": path}
        if callback_url is not None:
            request["callback_url"] = callback_url
        if options:
            request["options"] = options
        try:
            request_json = json.dumps(request)
        except (TypeError, ValueError) as error:
            raise InvalidArgumentError(f"the options cannot be written as JSON: {error}") from None
        out = recraft_job_p()
        with self._use() as client:
            _check(lib.recraft_submit(client, encode(request_json, "request"), ctypes.byref(out)))
        return Job(out, operation, path)

    async def submit_async(self, operation: str, image: str | os.PathLike[str], *,
                           callback_url: str | None = None, **options: Any) -> Job:
        """``submit()`` off the event loop (it reads the input file and may write the
        journal), in the loop's default executor."""
        call = functools.partial(self.submit, operation, image, callback_url=callback_url, **options)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def open_job(self, operation: str, job_id: str) -> Job:
        """Re-attaches to a task the provider already has, by its id (``Job.id``), to wait
        for it and download its results. Nothing is submitted or paid again. An id the
        provider does not know makes the job fail with NotFoundError."""
        out = recraft_job_p()
        with self._use() as client:
            _check(lib.recraft_job_open(client, encode(operation, "operation"), encode(job_id, "job_id"),
                                        ctypes.byref(out)))
        return Job(out, operation)

    # ------------------------------------------------------------------ one call

    def run(self, operation: str, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
            *, timeout: float | None = None, on_change: StateCallback | None = None,
            callback_url: str | None = None, **options: Any) -> Result:
        """Submits, waits and downloads: returns the Result once the job has succeeded,
        its results saved to ``output`` (a file, or an existing directory where the file
        is named after the input: ``photo.png`` -> ``photo.crisp-upscale.png``; None:
        nothing is downloaded). Raises the job's error; after ``timeout`` seconds,
        RecraftTimeoutError and the job is cancelled locally."""
        with self.submit(operation, image, callback_url=callback_url, **options) as job:
            try:
                job.wait(timeout, on_change=on_change)
            except RecraftTimeoutError as error:
                raise _gave_up(job, timeout) from error
            return collect(job, output)

    async def run_async(self, operation: str, image: str | os.PathLike[str],
                        output: str | os.PathLike[str] | None = None, *, timeout: float | None = None,
                        on_change: StateCallback | None = None, callback_url: str | None = None,
                        **options: Any) -> Result:
        """``run()`` for asyncio; the event loop never blocks. Cancelling the awaiting
        task cancels the job locally."""
        job = await self.submit_async(operation, image, callback_url=callback_url, **options)
        with job:
            try:
                await job.wait_async(timeout, on_change=on_change)
            except RecraftTimeoutError as error:
                raise _gave_up(job, timeout) from error
            if output is None:
                return collect(job, None)
            return await asyncio.get_running_loop().run_in_executor(None, collect, job, output)

    def crisp_upscale(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
                      timeout: float | None = None, **options: Any) -> Result:
        """Crisp upscale of ``image`` (a path or URL), saved to ``output``; see ``run()``."""
        return self.run("crisp_upscale", image, output, timeout=timeout, **options)

    def creative_upscale(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
                         timeout: float | None = None, **options: Any) -> Result:
        """Creative (generative) upscale of ``image``, saved to ``output``; see ``run()``."""
        return self.run("creative_upscale", image, output, timeout=timeout, **options)

    def clarity_upscale(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
                        timeout: float | None = None, **options: Any) -> Result:
        """Clarity upscale of ``image``, saved to ``output``; see ``run()``."""
        return self.run("clarity_upscale", image, output, timeout=timeout, **options)

    def remove_background(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                          *, timeout: float | None = None, **options: Any) -> Result:
        """Background removal of ``image``, saved to ``output``; see ``run()``."""
        return self.run("remove_background", image, output, timeout=timeout, **options)

    def vectorize(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None, *,
                  timeout: float | None = None, **options: Any) -> Result:
        """Vectorization of ``image`` to SVG, saved to ``output``; see ``run()``."""
        return self.run("vectorize", image, output, timeout=timeout, **options)

    async def crisp_upscale_async(self, image: str | os.PathLike[str],
                                  output: str | os.PathLike[str] | None = None, *,
                                  timeout: float | None = None, **options: Any) -> Result:
        """``crisp_upscale()`` for asyncio."""
        return await self.run_async("crisp_upscale", image, output, timeout=timeout, **options)

    async def creative_upscale_async(self, image: str | os.PathLike[str],
                                     output: str | os.PathLike[str] | None = None, *,
                                     timeout: float | None = None, **options: Any) -> Result:
        """``creative_upscale()`` for asyncio."""
        return await self.run_async("creative_upscale", image, output, timeout=timeout, **options)

    async def clarity_upscale_async(self, image: str | os.PathLike[str],
                                    output: str | os.PathLike[str] | None = None, *,
                                    timeout: float | None = None, **options: Any) -> Result:
        """``clarity_upscale()`` for asyncio."""
        return await self.run_async("clarity_upscale", image, output, timeout=timeout, **options)

    async def remove_background_async(self, image: str | os.PathLike[str],
                                      output: str | os.PathLike[str] | None = None, *,
                                      timeout: float | None = None, **options: Any) -> Result:
        """``remove_background()`` for asyncio."""
        return await self.run_async("remove_background", image, output, timeout=timeout, **options)

    async def vectorize_async(self, image: str | os.PathLike[str], output: str | os.PathLike[str] | None = None,
                              *, timeout: float | None = None, **options: Any) -> Result:
        """``vectorize()`` for asyncio."""
        return await self.run_async("vectorize", image, output, timeout=timeout, **options)

    # ------------------------------------------------------------------ many

    def batch(self, operation: str, images: Iterable[str | os.PathLike[str]], *, concurrency: int = 8,
              output_dir: str | os.PathLike[str] | None = None, timeout: float | None = None,
              progress: bool | None = None, on_result: Callable[[BatchItem], object] | None = None,
              **options: Any) -> list[BatchItem]:
        """Runs ``operation`` on every image, at most ``concurrency`` jobs at a time, and
        returns one BatchItem per image, in order: its Result, or the RecraftError it
        failed with (one failure does not stop the others). With ``output_dir`` (created
        if missing) each result is saved there, named after its input
        (``photo.crisp-upscale.png``; a repeated name gets ``-2``, ``-3``). A progress bar
        is drawn on stderr when it is a terminal (``progress`` forces it on or off).
        ``on_result(item)`` is called on this thread as each image finishes; if it raises,
        or on Ctrl-C, the jobs still running are cancelled and the exception propagates.
        ``timeout`` is per job, in seconds."""
        from ._batch import run_batch

        return run_batch(self, operation, images, concurrency=concurrency, output_dir=output_dir,
                         timeout=timeout, progress=progress, on_result=on_result, options=options)

    async def batch_async(self, operation: str, images: Iterable[str | os.PathLike[str]], *,
                          concurrency: int = 8, output_dir: str | os.PathLike[str] | None = None,
                          timeout: float | None = None, progress: bool | None = None,
                          on_result: Callable[[BatchItem], object] | None = None,
                          **options: Any) -> list[BatchItem]:
        """``batch()`` for asyncio: the same arguments and result; ``on_result`` runs on
        the event loop, and cancelling the awaiting task cancels the jobs."""
        from ._batch import run_batch_async

        return await run_batch_async(self, operation, images, concurrency=concurrency, output_dir=output_dir,
                                     timeout=timeout, progress=progress, on_result=on_result, options=options)

    # ------------------------------------------------------------------ account

    def credits(self) -> float:
        """The account's balance, in the provider's unit (kie credits, Recraft API
        units), read from the provider now (a free request). Raises UnsupportedError for
        presets that document no balance endpoint (kie-recraft, recraft-mirror)."""
        balance = ctypes.c_double()
        with self._use() as client:
            _check(lib.recraft_client_credits(client, ctypes.byref(balance)))
        return float(balance.value)

    # ------------------------------------------------------------------ journal, callbacks

    def journal(self) -> dict[str, Any]:
        """What the client's journal holds: the JSONL file ``journal_path`` when set, else
        this account's jobs in the shared store's ledger (every process's; ``live`` ones
        belong to a worker still running):
        ``{"entries": [{"ref", "status", "provider", "operation", "image", "task_id",
        "results", "error"}], "problems": [...]}``. An entry's status is "not_sent" (safe to
        submit again), "uncertain" (the billed request went out, no reply was recorded),
        "in_flight" (``resume()`` reopens it), "succeeded", "failed" or "cancelled".
        Raises StoreUnavailableError when the store cannot be read."""
        return self._json_call(lambda client, out: lib.recraft_journal_list(client, out))

    def resume(self) -> list[Job]:
        """Reopens every job the journal lists as "in_flight" (a crash or an exit left it
        running at the provider), by its task id: nothing is submitted or paid again.
        Wait for the returned jobs and download their results as usual. Entries that are
        "not_sent" or "uncertain" are left to you (see ``journal()``)."""
        jobs: list[Job] = []
        try:
            for entry in self.journal().get("entries", []):
                # A live entry belongs to a worker that is still running: it collects it.
                if (entry.get("status") == "in_flight" and entry.get("task_id") and entry.get("operation")
                        and not entry.get("live")):
                    jobs.append(self.open_job(str(entry["operation"]), str(entry["task_id"])))
        except BaseException:
            for job in jobs:
                job.close()
            raise
        return jobs

    def handle_callback(self, body: str | bytes, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Feeds in a callback request the provider POSTed to a job's ``callback_url``:
        its body and headers. With ``webhook_secret`` configured the signature is checked
        first (AuthenticationError when it is wrong or missing). A waiting job of this
        client for the task completes at once. Returns ``{"task_id", "state", "results",
        "error"}``. Idempotent."""
        body_c = encode(body, "body") if isinstance(body, str) else _raw_bytes(body, "body")
        headers_c = None if headers is None else encode(json.dumps(dict(headers)), "headers")
        return self._json_call(lambda client, out: lib.recraft_callback_handle(client, body_c, headers_c, out))

    def _json_call(self, call: Callable[[Any, Any], int]) -> dict[str, Any]:
        out = ctypes.c_void_p()
        with self._use() as client:
            _check(call(client, ctypes.byref(out)))
        raw = take_string(out.value)
        value: dict[str, Any] = json.loads(raw) if raw else {}
        return value


def _gave_up(job: Job, timeout: float | None) -> RecraftTimeoutError:
    task = f"; task {job.id} can be reopened with Client.open_job" if job.id else ""
    return RecraftTimeoutError(f"the job did not end within {timeout or 0:g} s and was cancelled locally{task}")


def _raw_bytes(value: bytes, name: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidArgumentError(f"{name} must be str or bytes, not {type(value).__name__}")
    if b"\0" in value:
        raise InvalidArgumentError(f"{name} contains a NUL byte")
    return bytes(value)
