"""Client: one provider, its configuration and connections."""

from __future__ import annotations

import ctypes
import functools
import json
import math
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from . import _log
from ._ffi import encode, lib, recraft_client_p, recraft_job_p, take_string
from ._handle import _Owned
from .errors import ConfigError, InvalidArgumentError, RecraftError, RecraftTimeoutError, _check

# What submitting, waiting and saving need is imported at the first call that needs it,
# not with the Client (issue 14: ``import recraft`` + ``Client()`` stays cheap).
if TYPE_CHECKING:
    from ._job import Job, StateCallback
    from ._journal import ResumeView
    from ._output import Target
    from ._results import BatchItem, Result

#: What ``image`` may be: a path, an http(s) URL, bytes or a binary file object.
ImageInput = Any
#: The API key a sandbox route gets when none is given (any will do; not the core's
#: placeholder "sandbox", which the core redacts from messages). As the CLI's ClientPool.
_SANDBOX_ROUTE_KEY = "sandbox-needs-no-key"

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
        _log.configure_from_env()
        _log.sync_library_callback()
        for secret in (api_key, webhook_secret):
            _log.add_secret(secret if isinstance(secret, str) else None)
        self.provider = provider
        self._settings = {k: v for k, v in settings.items() if v is not None}
        self._siblings: dict[tuple[str, str | None, str | None], Client] = {}
        self._siblings_lock = threading.Lock()
        try:
            config_json = json.dumps({k: v for k, v in settings.items() if v is not None})
        except (TypeError, ValueError) as error:
            raise ConfigError(f"the configuration cannot be written as JSON: {error}") from None
        out = recraft_client_p()
        _check(lib.recraft_client_new(encode(config_json, "config"), ctypes.byref(out)))
        super().__init__(out, lib.recraft_client_free)
        _log.log(_log.DEBUG, "client", f"client {provider} at {base_url or 'its default URL'}")

    def close(self) -> None:
        """Frees the client (and the clients it made for batches' journals and sandbox
        routes); jobs it submitted keep working. Safe to call more than once."""
        with self._siblings_lock:
            siblings, self._siblings = list(self._siblings.values()), {}
        for sibling in siblings:
            sibling.close()
        super().close()

    # ------------------------------------------------------------------ routing

    @property
    def journal_path(self) -> str | None:
        """The client's journal (``journal_path``), None without one."""
        path = self._settings.get("journal_path")
        return None if path is None else str(path)

    def _sibling(self, provider: str, base_url: str | None, journal_path: str | None) -> Client:
        """A client like this one for another preset or journal, made once and closed with it."""
        with self._use():  # a closed client is a mistake to raise
            pass
        key = (provider, base_url, journal_path)
        if key == (self.provider, self._settings.get("base_url"), self.journal_path):
            return self
        with self._siblings_lock:
            made = self._siblings.get(key)
            if made is None:
                settings = dict(self._settings)
                settings.update(provider=provider, base_url=base_url, journal_path=journal_path)
                if provider != self.provider and self.provider == "sandbox":
                    settings["api_key"] = settings.get("api_key") or _SANDBOX_ROUTE_KEY
                made = Client(**settings)
                self._siblings[key] = made
        return made

    def _for(self, operation: object, journal_path: str | None = None) -> Client:
        """The client that runs ``operation``: on a sandbox, the route the CLI takes for it
        (an operation the sandbox's own preset lacks goes to the dialect that has it,
        served by the same sandbox; from the catalog), with the given journal."""
        journal = journal_path if journal_path is not None else self.journal_path
        provider, base_url = self.provider, self._settings.get("base_url")
        if self.provider == "sandbox" and isinstance(base_url, str) and isinstance(operation, str):
            from ._catalog import sandbox_route

            preset, path = sandbox_route(operation)
            if preset != self.provider:
                provider, base_url = preset, base_url.rstrip("/") + path
        return self._sibling(provider, base_url, journal)

    def __repr__(self) -> str:
        return f"<recraft.Client {self.provider}{' closed' if self.closed else ''}>"

    async def __aenter__(self) -> Client:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ jobs

    def submit(self, operation: str, image: ImageInput, *, callback_url: str | None = None,
               ref: str | None = None, **options: Any) -> Job:
        """Submits ``operation`` (e.g. "crisp_upscale") on ``image`` and returns the Job at
        once; the work goes on in the background. ``image``: a path (str or
        ``pathlib.Path``), an http(s) URL, bytes (``bytes``, ``bytearray``,
        ``memoryview``) or a binary file object (``open(p, "rb")``, ``io.BytesIO``, read
        to its end here). ``options`` are the operation's options (``scale=4``,
        ``output_format="png"``). ``ref`` is your own reference for the job (an order id):
        submitting the same ``ref`` again, from any process on the account, follows the
        first job instead of paying again. Raises InvalidArgumentError, UnsupportedError or
        InvalidInputError without sending anything when the request cannot be made."""
        return self._submit(self._for(operation), operation, image, callback_url, options, ref=ref)

    def _submit(self, client: Client, operation: str, image: ImageInput, callback_url: str | None,
                options: dict[str, Any], *, started: Callable[[str], None] | None = None,
                ref: str | None = None) -> Job:
        from ._input import classify, prepared
        from ._job import Job

        if not isinstance(operation, str):
            raise InvalidArgumentError(f"operation must be a str, not {type(operation).__name__}")
        source = classify(image)
        submission = prepared(source)
        request: dict[str, Any] = {"operation": operation, "image": submission.image}
        if callback_url is not None:
            request["callback_url"] = callback_url
        if ref is not None:
            request["ref"] = ref
        if options:
            request["options"] = options
        try:
            request_json = json.dumps(request)
        except (TypeError, ValueError) as error:
            raise InvalidArgumentError(f"the options cannot be written as JSON: {error}") from None
        if started is not None:
            started(submission.recorded_as)
        out = recraft_job_p()
        began = time.monotonic()
        with client._use() as handle:
            if submission.data is None:
                status = lib.recraft_submit(handle, encode(request_json, "request"), ctypes.byref(out))
            else:
                status = lib.recraft_submit_memory(handle, encode(request_json, "request"), submission.data,
                                                   len(submission.data), ctypes.byref(out))
        what = f"submit of {operation} on {source.name}" + (" (from memory)" if source.in_memory else "")
        took = time.monotonic() - began
        _log.log(_log.DEBUG, "submit", f"{what}: {'accepted locally' if status == 0 else f'refused ({status})'}"
                 f" in {took:.3f} s", duration=took, operation=operation)
        _check(status)
        return Job(out, operation, source.name)
    async def submit_async(self, operation: str, image: ImageInput, *,
                           callback_url: str | None = None, **options: Any) -> Job:
        """``submit()`` off the event loop (it reads the input file and may write the
        journal), in the loop's default executor."""
        import asyncio

        call = functools.partial(self.submit, operation, image, callback_url=callback_url, **options)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def open_job(self, operation: str, job_id: str) -> Job:
        """Re-attaches to a task the provider already has, by its id (``Job.id``), to wait
        for it and download its results. Nothing is submitted or paid again. An id the
        provider does not know makes the job fail with NotFoundError."""
        return self._open(self._for(operation), operation, job_id)

    def _open(self, client: Client, operation: str, job_id: str) -> Job:
        from ._job import Job

        out = recraft_job_p()
        with client._use() as handle:
            _check(lib.recraft_job_open(handle, encode(operation, "operation"), encode(job_id, "job_id"),
                                        ctypes.byref(out)))
        _log.log(_log.DEBUG, "open", f"reopened {operation} task {job_id}", task_id=job_id)
        return Job(out, operation)

    # ------------------------------------------------------------------ one call

    def run(self, operation: str, image: ImageInput, output: str | os.PathLike[str] | None = None,
            *, timeout: float | None = None, on_change: StateCallback | None = None,
            callback_url: str | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Submits, waits and downloads: returns the Result once the job has succeeded.
        ``output``: a file, or a folder (an existing one, or a path ending with ``/``,
        created) where the file is named after the input (``photo.png`` ->
        ``photo.crisp-upscale.png``); None: nothing is saved, ``Result.read()`` gives the
        bytes. An existing file is not replaced unless ``overwrite=True``. Every problem
        with ``output`` is raised before anything is sent; an error after the job
        succeeded carries ``task_id`` and ``result_url``. Raises the job's error; after
        ``timeout`` seconds, RecraftTimeoutError and the job is cancelled locally."""
        from ._input import classify
        from ._output import collect, plan

        target = plan(output, classify(image).name, operation, overwrite=overwrite)
        job = self.submit(operation, image, callback_url=callback_url, **options)
        try:
            try:
                job.wait(timeout, on_change=on_change)
            except RecraftTimeoutError as error:
                raise _gave_up(job, timeout) from error
            result = collect(job, target)
        except BaseException:
            job.close()
            raise
        if target is not None:
            job.close()
        return result

    async def run_async(self, operation: str, image: ImageInput,
                        output: str | os.PathLike[str] | None = None, *, timeout: float | None = None,
                        on_change: StateCallback | None = None, callback_url: str | None = None,
                        overwrite: bool = False, **options: Any) -> Result:
        """``run()`` for asyncio; the event loop never blocks. Cancelling the awaiting
        task cancels the job locally."""
        import asyncio

        from ._input import classify
        from ._output import collect, plan

        target = plan(output, classify(image).name, operation, overwrite=overwrite)
        job = await self.submit_async(operation, image, callback_url=callback_url, **options)
        try:
            try:
                await job.wait_async(timeout, on_change=on_change)
            except RecraftTimeoutError as error:
                raise _gave_up(job, timeout) from error
            if target is None:
                result = collect(job, None)
            else:
                result = await asyncio.get_running_loop().run_in_executor(None, collect, job, target)
        except BaseException:
            job.close()
            raise
        if target is not None:
            job.close()
        return result

    def crisp_upscale(self, image: ImageInput, output: str | os.PathLike[str] | None = None, *,
                      timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Crisp upscale of ``image`` (a path, URL, bytes or binary file), saved to ``output``; see ``run()``."""
        return self.run("crisp_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    def creative_upscale(self, image: ImageInput, output: str | os.PathLike[str] | None = None, *,
                         timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Creative (generative) upscale of ``image``, saved to ``output``; see ``run()``."""
        return self.run("creative_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    def clarity_upscale(self, image: ImageInput, output: str | os.PathLike[str] | None = None, *,
                        timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Clarity upscale of ``image``, saved to ``output``; see ``run()``."""
        return self.run("clarity_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    def remove_background(self, image: ImageInput, output: str | os.PathLike[str] | None = None,
                          *, timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Background removal of ``image``, saved to ``output``; see ``run()``."""
        return self.run("remove_background", image, output, timeout=timeout, overwrite=overwrite, **options)

    def vectorize(self, image: ImageInput, output: str | os.PathLike[str] | None = None, *,
                  timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """Vectorization of ``image`` to SVG, saved to ``output``; see ``run()``."""
        return self.run("vectorize", image, output, timeout=timeout, overwrite=overwrite, **options)

    async def crisp_upscale_async(self, image: ImageInput,
                                  output: str | os.PathLike[str] | None = None, *,
                                  timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """``crisp_upscale()`` for asyncio."""
        return await self.run_async("crisp_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    async def creative_upscale_async(self, image: ImageInput,
                                     output: str | os.PathLike[str] | None = None, *,
                                     timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """``creative_upscale()`` for asyncio."""
        return await self.run_async("creative_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    async def clarity_upscale_async(self, image: ImageInput,
                                    output: str | os.PathLike[str] | None = None, *,
                                    timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """``clarity_upscale()`` for asyncio."""
        return await self.run_async("clarity_upscale", image, output, timeout=timeout, overwrite=overwrite, **options)

    async def remove_background_async(self, image: ImageInput,
                                      output: str | os.PathLike[str] | None = None, *,
                                      timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """``remove_background()`` for asyncio."""
        return await self.run_async("remove_background", image, output, timeout=timeout, overwrite=overwrite, **options)

    async def vectorize_async(self, image: ImageInput, output: str | os.PathLike[str] | None = None,
                              *, timeout: float | None = None, overwrite: bool = False, **options: Any) -> Result:
        """``vectorize()`` for asyncio."""
        return await self.run_async("vectorize", image, output, timeout=timeout, overwrite=overwrite, **options)

    # ------------------------------------------------------------------ many

    def batch(self, operation: str, images: Iterable[ImageInput], *, concurrency: int = 8,
              output_dir: str | os.PathLike[str] | None = None, timeout: float | None = None,
              progress: bool | None = None, on_result: Callable[[BatchItem], object] | None = None,
              overwrite: bool = False, journal: bool | str | os.PathLike[str] = True,
              **options: Any) -> list[BatchItem]:
        """Runs ``operation`` on every image, at most ``concurrency`` jobs at a time, and
        returns one BatchItem per image, in order: its Result, or the RecraftError it
        failed with (one failure does not stop the others). With ``output_dir`` (created
        if missing) each result is saved there, named after its input
        (``photo.crisp-upscale.png``; a repeated name gets ``-2``, ``-3``); an input whose
        result is already there is skipped (``item.skipped``) unless ``overwrite=True``,
        so running a batch again pays only for what is missing.

        The batch is journalled: in the client's ``journal_path``, else in ``journal``
        (a path), else (``journal=True``, the default) in the per-user state folder
        (``~/.local/state/recraft/python-journal.jsonl``); ``journal=False`` keeps none.
        On Ctrl-C it submits no more, waits briefly for submits on the wire to be
        answered, prints the task ids left running and how to collect them
        (``Client.resume()``), then raises KeyboardInterrupt.

        A progress bar is drawn on stderr when it is a terminal (``progress`` forces it on
        or off). ``on_result(item)`` is called on this thread as each image finishes; if
        it raises, the jobs still running are cancelled and the exception propagates.
        ``timeout`` is per job, in seconds."""
        from ._batch import run_batch

        return run_batch(self, operation, images, concurrency=concurrency, output_dir=output_dir,
                         timeout=timeout, progress=progress, on_result=on_result, options=options,
                         overwrite=overwrite, journal=journal)

    async def batch_async(self, operation: str, images: Iterable[ImageInput], *,
                          concurrency: int = 8, output_dir: str | os.PathLike[str] | None = None,
                          timeout: float | None = None, progress: bool | None = None,
                          on_result: Callable[[BatchItem], object] | None = None,
                          overwrite: bool = False, journal: bool | str | os.PathLike[str] = True,
                          **options: Any) -> list[BatchItem]:
        """``batch()`` for asyncio: the same arguments and result; ``on_result`` runs on
        the event loop. Ctrl-C under ``asyncio.run()`` (which cancels the awaiting task),
        or cancelling the awaiting task, is handled as ``batch()`` handles Ctrl-C: no more
        submits, a short wait for those on the wire, the task ids left running and how to
        collect them (``Client.resume()``) on stderr, the jobs stopped locally (their
        task ids stay in the journal), then CancelledError is raised."""
        from ._batch import run_batch_async

        return await run_batch_async(self, operation, images, concurrency=concurrency, output_dir=output_dir,
                                     timeout=timeout, progress=progress, on_result=on_result, options=options,
                                     overwrite=overwrite, journal=journal)

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

    def _journalled(self) -> tuple[Client, str]:
        """This client when it has a journal, else one like it on the default journal."""
        from ._journal import default_journal_path, prepare

        if self.journal_path is not None:
            return self, self.journal_path
        path = default_journal_path()
        prepare(path)
        return self._sibling(self.provider, self._settings.get("base_url"), path), path

    def journal(self) -> dict[str, Any]:
        """What the client's journal holds: the JSONL file ``journal_path`` when the
        client has one; else the shared store's ledger (``"store"``, ``RECRAFT_STORE``,
        by default SQLite in the per-user state folder), which every process on the account
        writes, on this machine or, with a PostgreSQL store, on any, together with the
        default journal batches write beside it (see ``batch``; a job in both is told as
        the ledger has it):
        ``{"entries": [{"ref", "status", "provider", "operation", "image", "task_id",
        "results", "error", "live"}], "problems": [...]}``. An entry's status is
        "not_sent" (safe to submit again), "uncertain" (the billed request went out, no
        reply was recorded), "in_flight" (``resume()`` reopens it), "succeeded", "failed"
        or "cancelled"; ``live`` says a running worker still has it."""
        from ._journal import default_journal_path

        if self.journal_path is not None:
            return self._json_call(lambda handle, out: lib.recraft_journal_list(handle, out))
        entries: list[dict[str, Any]] = []
        problems: list[str] = []
        known: set[object] = set()

        def add(listed: dict[str, Any]) -> None:
            for entry in listed.get("entries", []):
                if entry.get("ref") not in known:
                    known.add(entry.get("ref"))
                    entries.append(entry)
            problems.extend(listed.get("problems", []))

        for client in self._routes():  # a sandbox's dialects keep their rows under scopes of their own
            add(client._json_call(lambda handle, out: lib.recraft_journal_list(handle, out)))
        path = default_journal_path()
        if os.path.exists(path):
            jsonl = self._sibling(self.provider, self._settings.get("base_url"), path)
            add(jsonl._json_call(lambda handle, out: lib.recraft_journal_list(handle, out)))
        return {"entries": entries, "problems": problems}

    def _routes(self) -> list[Client]:
        """This client and those its operations are routed to (see ``_for``), once each."""
        routes = {id(self): self}
        if self.provider == "sandbox":
            from ._catalog import catalog

            for entry in catalog().get("operations", []):
                routed = self._for(str(entry.get("name")), None)
                routes.setdefault(id(routed), routed)
        return list(routes.values())

    def resume(self) -> Resumed:
        """Reopens, by task id, every job of this provider the journal (see ``journal()``)
        lists as "in_flight" (a crash, Ctrl-C or an exit left it running at the provider),
        and every job of a batch that succeeded but whose result was never saved: nothing
        is submitted or paid again. Wait for the returned jobs as usual; a job of a batch
        knows its input (``job.image``) and where the batch meant to save it
        (``job.output``), and ``job.download()`` with no path saves it there, under the
        original name. Without ``journal_path`` the journal is the shared store's
        ledger, so this also collects what another process left (a Python, C or CLI
        worker that was killed), and, with a PostgreSQL store, another machine: a job
        with no batch plan on this machine is saved beside its input (in the current
        folder for a URL) under the name ``recraft resume`` gives it. A job a running
        worker still has is left to it. The returned list also says what it did not reopen:
        ``not_started`` (inputs of interrupted batches never submitted, or whose create
        request never went out: run them again) and ``uncertain`` (the create request
        went out and no answer came: the provider may have the task; see ``journal()``)."""
        from ._journal import Sidecar, read_plans, resume_view
        from ._output import Target

        _, path = self._journalled()
        base_url = self._settings.get("base_url")
        entries = [entry for entry in self.journal().get("entries", [])
                   if self._owns(entry.get("provider"), entry.get("base_url"), entry.get("operation"))]
        plans = [p for p in read_plans(path) if p.provider in (None, self.provider)
                 and (base_url is None or p.base_url in (None, base_url))]
        view: ResumeView = resume_view(entries, plans)
        jobs = Resumed(journal_path=path, not_started=view.not_started, uncertain=view.uncertain)
        sidecar = Sidecar(path) if plans else None
        try:
            for entry, planned in view.reopen:
                operation = str(entry["operation"])
                job = self._open(self._for(operation, path), operation, str(entry["task_id"]))
                if planned is not None:
                    job.image = planned.name
                    if planned.output is not None:
                        job._target = Target(planned.output, planned.exact, planned.overwrite)
                    if sidecar is not None:
                        job._on_saved = functools.partial(_saved, sidecar, planned.key)
                elif isinstance(entry.get("image"), str) and entry["image"]:
                    # Another program's job, or another machine's: no plan of it here.
                    job.image = str(entry["image"])
                    job._target = _beside_input(job.image, operation)
                jobs.append(job)
        except BaseException:
            for job in jobs:
                job.close()
            raise
        return jobs

    def _owns(self, provider: object, base_url: object, operation: object) -> bool:
        """True when a journal entry is for this client: its provider (or the sandbox
        route of its operation) and, when this client was given one, its base URL."""
        routed = self._for(operation) if isinstance(operation, str) else self
        if provider != routed.provider:
            return False
        mine = routed._settings.get("base_url")
        return mine is None or not isinstance(base_url, str) or base_url.rstrip("/") == str(mine).rstrip("/")

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


class Resumed(list["Job"]):
    """What ``Client.resume()`` returns: the reopened jobs, and what it left."""

    def __init__(self, *, journal_path: str, not_started: list[str], uncertain: list[str]) -> None:
        super().__init__()
        #: The journal it read.
        self.journal_path = journal_path
        #: Inputs of interrupted batches that were never submitted: run them again.
        self.not_started = not_started
        #: Inputs whose create request went out unanswered: the provider may have the task.
        self.uncertain = uncertain


def _beside_input(image: str, operation: str) -> Target | None:
    """Where ``recraft resume`` saves a job no plan is known of (``ResumePlan.defaultRecord``):
    beside its input, in the current folder for a URL or a name without a folder, named
    after the input (``photo.crisp-upscale.png``)."""
    from ._output import Target, output_stem

    try:
        stem = output_stem(image, operation)
    except RecraftError:
        return None
    url = image.lower().startswith(("http://", "https://"))
    return Target(os.path.join(("" if url else os.path.dirname(image)) or os.getcwd(), stem), exact=False)


def _saved(sidecar: Any, key: str, path: str) -> None:
    sidecar.write({"event": "saved", "key": key, "path": path})


def _gave_up(job: Job, timeout: float | None) -> RecraftTimeoutError:
    task = f"; task {job.id} can be reopened with Client.open_job" if job.id else ""
    return RecraftTimeoutError(f"the job did not end within {timeout or 0:g} s and was cancelled locally{task}")


def _raw_bytes(value: bytes, name: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)):
        raise InvalidArgumentError(f"{name} must be str or bytes, not {type(value).__name__}")
    if b"\0" in value:
        raise InvalidArgumentError(f"{name} contains a NUL byte")
    return bytes(value)
