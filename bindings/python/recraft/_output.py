"""Where results go: the output target (checked before anything is sent), the download
into it, and results read into memory.

The CLI's rules (``OutputTarget``/``BatchPlan`` in Sources/RecraftCLI): ``output`` is a
folder when it ends with ``/`` or is an existing folder (created if missing; the file is
named after the input, ``photo.png`` -> ``photo.crisp-upscale.png``), else the exact
file. An existing file is never replaced unless ``overwrite=True``. Everything that can
be wrong with the target is found by ``plan`` before the job is submitted; an error
after the job succeeded carries its task id and result URL (``errors.after_success``)."""

from __future__ import annotations

import contextlib
import ctypes
import os
import time
from typing import TYPE_CHECKING, Iterator, NamedTuple

from . import _log
from ._catalog import result_extensions
from ._ffi import encode, lib, take_string
from ._results import Result
from .errors import InvalidArgumentError, RecraftError, RecraftIOError, _check, after_success

if TYPE_CHECKING:
    from ._job import Job


def output_stem(image: str, operation: str) -> str:
    """The name a result of ``operation`` on ``image`` gets in a directory, without its
    extension, as the CLI names it: ``photo.png`` -> ``photo.crisp-upscale`` (the
    library's rule, ``recraft_output_stem``). Raises InvalidArgumentError for an unknown
    operation."""
    out = ctypes.c_void_p()
    _check(lib.recraft_output_stem(encode(image, "image"), encode(operation, "operation"), ctypes.byref(out)))
    return take_string(out.value) or "image"


class Target(NamedTuple):  # not a dataclass: see _input.Image
    """Where a job's results go: the exact file (``exact``), or the path in a folder to
    which ``.<extension>`` of the result is added."""

    path: str
    exact: bool
    overwrite: bool = False

    def existing(self) -> str | None:
        """A file already at the target, if there is one (with any extension a result may have)."""
        if self.exact:
            return self.path if os.path.lexists(self.path) else None
        return next((f"{self.path}.{ext}" for ext in result_extensions() if os.path.lexists(f"{self.path}.{ext}")),
                    None)

    def file(self, job: Job, index: int) -> str:
        """The file result ``index`` of the (succeeded) job is saved to."""
        if self.exact:
            if index == 0:
                return self.path
            root, ext = os.path.splitext(self.path)
            return f"{root}-{index}{ext}"
        folder, stem = os.path.split(self.path)
        return os.path.join(folder, job.file_name(index, stem if index == 0 else f"{stem}-{index}"))


def is_folder(raw: str) -> bool:
    """True when ``raw`` names a folder: it ends with a slash or is an existing folder."""
    return raw.endswith("/") or raw.endswith(os.sep) or os.path.isdir(raw)


def make_folder(raw: str) -> None:
    """Creates the output folder ``raw`` (and its parents) if missing; raises
    RecraftIOError when it cannot be a writable folder."""
    if os.path.lexists(raw) and not os.path.isdir(raw):
        raise RecraftIOError(f"the output {raw} is a file, not a folder: pass a folder, or another name")
    try:
        os.makedirs(raw, exist_ok=True)
    except OSError as error:
        raise RecraftIOError(f"cannot create the output folder {raw}: {error.strerror or error}") from None
    if not os.access(raw, os.W_OK | os.X_OK):
        raise RecraftIOError(f"cannot write into the output folder {raw}: permission denied")


def check_file(raw: str) -> None:
    """Checks that the file ``raw`` can be written (its folder exists and is writable)
    and is no folder in disguise: a name without an extension that does not exist is
    refused, so ``Path("outdir")`` never silently becomes a file named ``outdir``."""
    folder = os.path.dirname(os.path.abspath(raw))
    if not os.path.isdir(folder):
        raise RecraftIOError(f"the folder {folder} of the output {raw} does not exist: create it, or end the output "
                             "with '/' to save into a folder that is created")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RecraftIOError(f"cannot write into {folder} (for the output {raw}): permission denied")
    if not os.path.splitext(raw)[1] and not os.path.lexists(raw):
        raise InvalidArgumentError(f"the output {raw} does not exist and has no extension: to save into a folder, "
                                   f"end it with '/' ({raw}/) or create it first; to save a file, give it an "
                                   "extension (.png)")


def refuse_existing(path: str | None) -> None:
    if path is not None:
        raise RecraftIOError(f"{path} exists: pass overwrite=True to replace it, or choose another output")


def plan(output: str | os.PathLike[str] | None, name: str, operation: str, *, overwrite: bool = False,
         stem: str | None = None) -> Target | None:
    """The target for ``output`` (None: nothing is saved), every check made: a folder is
    created, a file's folder must exist, an existing result is refused unless
    ``overwrite``. ``name`` is the input's (a path, URL or file name) the file is named
    after in a folder. Raises before anything is sent."""
    if output is None:
        return None
    if not isinstance(output, (str, os.PathLike)):
        raise InvalidArgumentError(f"output must be a path, not {type(output).__name__}")
    raw = os.fspath(output)
    if not isinstance(raw, str) or not raw:
        raise InvalidArgumentError(f"output must be a non-empty str path, not {output!r}")
    if is_folder(raw):
        make_folder(raw)
        target = Target(os.path.join(raw, stem or output_stem(name, operation)), exact=False, overwrite=overwrite)
    else:
        check_file(raw)
        if os.path.lexists(name) and os.path.lexists(raw) and os.path.samefile(name, raw):
            raise InvalidArgumentError(f"the output {raw} is the input itself: pick another file so the original "
                                       "is kept")
        target = Target(raw, exact=True, overwrite=overwrite)
    if not overwrite:
        refuse_existing(target.existing())
    return target


def save(job: Job, target: Target, index: int) -> str:
    """Downloads result ``index`` of the succeeded job to ``target``; an error carries the
    task id and result URL."""
    path = target.file(job, index)
    try:
        if not target.overwrite and os.path.lexists(path):
            raise RecraftIOError(f"{path} appeared while the job ran (another run?); it was kept: pass "
                                 "overwrite=True to replace it")
        return job._download_file(path, index)
    except (RecraftError, OSError) as error:
        raise after_success(error, job.id, job.results[index:] or job.results) from error


def collect(job: Job, target: Target | None) -> Result:
    """The finished job as a Result, its results saved to ``target`` first (the first
    result at the target; more beside it as ``name-1.ext``, ...). Without a target the
    Result keeps the job, so ``Result.read()`` can fetch the bytes later."""
    urls = job.results
    files = [save(job, target, index) for index in range(len(urls))] if target is not None else []
    return Result(id=job.id, operation=job.operation, urls=urls, files=files, _job=None if target else job)


def read_bytes(job: Job, index: int) -> bytes:
    """Result ``index`` of the succeeded job as bytes, downloaded into memory the library
    allocates (``recraft_job_download_alloc``), copied and freed here."""
    data = ctypes.c_void_p()
    length = ctypes.c_size_t()
    try:
        with timed("download", f"download of result {index} of job {job.id} into memory", job.id):
            with job._use() as handle:
                _check(lib.recraft_job_download_alloc(handle, index, ctypes.byref(data), ctypes.byref(length)))
        try:
            return ctypes.string_at(data.value, length.value) if data.value and length.value else b""
        finally:
            lib.recraft_buffer_free(data)
    except (RecraftError, OSError) as error:
        if job.poll().value != "succeeded" or (isinstance(error, RecraftError) and error.task_id):
            raise
        raise after_success(error, job.id, job.results[index:] or job.results) from error


@contextlib.contextmanager
def timed(event: str, what: str, task_id: str | None) -> Iterator[None]:
    """Logs ``what`` at debug with its duration (and failure) as ``event``."""
    started = time.monotonic()
    try:
        yield None
    except BaseException as error:
        _log.log(_log.DEBUG, event, f"{what} failed after {time.monotonic() - started:.3f} s: "
                 f"{type(error).__name__}: {error}", task_id=task_id, duration=time.monotonic() - started)
        raise
    _log.log(_log.DEBUG, event, f"{what} took {time.monotonic() - started:.3f} s", task_id=task_id,
             duration=time.monotonic() - started)
