"""Where the helpers save results: the names, and the downloads."""

from __future__ import annotations

import ctypes
import os
from typing import TYPE_CHECKING

from ._ffi import encode, lib, take_string
from ._results import Result
from .errors import _check

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


def collect(job: Job, output: str | os.PathLike[str] | None, stem: str | None = None) -> Result:
    """The finished job as a Result, its results saved to ``output`` first: a file (the
    first result; more go beside it as ``name-1.ext``, ...) or an existing directory
    (``<stem>.<ext>``, the stem from the input's name unless given)."""
    urls = job.results
    files: list[str] = []
    if output is not None:
        target = os.fspath(output)
        if os.path.isdir(target):
            stem = stem or output_stem(job.image or job.id or "image", job.operation)
            for index in range(len(urls)):
                name = job.file_name(index, stem if index == 0 else f"{stem}-{index}")
                files.append(job.download(os.path.join(target, name), index))
        else:
            files.append(job.download(target, 0))
            root, ext = os.path.splitext(target)
            for index in range(1, len(urls)):
                files.append(job.download(f"{root}-{index}{ext}", index))
    return Result(id=job.id, operation=job.operation, urls=urls, files=files)
