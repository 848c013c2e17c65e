"""RecraftKit for Python: Recraft's image operations (crisp upscale, creative upscale,
background removal, vectorize) through the services that sell them, as jobs.

    import recraft

    with recraft.Client("sandbox", base_url="http://127.0.0.1:8080") as client:
        result = client.crisp_upscale("photo.png", output="photo-upscaled.png")
        print(result.path)

        with client.submit("remove_background", "photo.png") as job:
            job.wait(timeout=120)          # raises JobFailedError, AuthenticationError, ...
            print(job.id, job.results, job.download("cutout.png"))

asyncio: ``await client.crisp_upscale_async(...)``, ``await job.wait_async()``; many
images: ``client.batch("crisp_upscale", paths, concurrency=8, output_dir="out")``.

A thin ctypes layer over librecraft.so: the copy installed inside this package, or the
file named by RECRAFT_LIBRARY, or a checkout's out/lib.
"""

from __future__ import annotations

from . import _lib
from ._client import Client
from ._ffi import lib as _lib_handle
from ._job import Job, JobState
from ._results import BatchItem, Result
from ._sandbox import Sandbox, SandboxError
from .errors import (
    AuthenticationError,
    CancelledError,
    ConfigError,
    InsufficientCreditsError,
    InternalError,
    StoreUnavailableError,
    InvalidArgumentError,
    InvalidInputError,
    JobFailedError,
    NetworkError,
    NotFoundError,
    NotReadyError,
    ProtocolError,
    ProviderUnavailableError,
    RateLimitedError,
    RecraftError,
    RecraftIOError,
    RecraftTimeoutError,
    SubmitUncertainError,
    UnsupportedError,
)

__version__ = "0.2.0"


def library_version() -> str:
    """The version of the loaded librecraft.so (``recraft_version()``)."""
    value: bytes = _lib_handle.recraft_version()
    return value.decode()


def library_path() -> str:
    """The file librecraft.so was loaded from (loading it if need be)."""
    _lib_handle.recraft_version()
    path = _lib.loaded_path()
    assert path is not None
    return path


__all__ = [
    "Client",
    "Job",
    "JobState",
    "Result",
    "BatchItem",
    "Sandbox",
    "SandboxError",
    "library_version",
    "library_path",
    "RecraftError",
    "InvalidArgumentError",
    "ConfigError",
    "UnsupportedError",
    "InvalidInputError",
    "AuthenticationError",
    "InsufficientCreditsError",
    "RateLimitedError",
    "ProviderUnavailableError",
    "NotFoundError",
    "JobFailedError",
    "RecraftTimeoutError",
    "CancelledError",
    "NetworkError",
    "RecraftIOError",
    "ProtocolError",
    "SubmitUncertainError",
    "NotReadyError",
    "InternalError",
    "StoreUnavailableError",
]
