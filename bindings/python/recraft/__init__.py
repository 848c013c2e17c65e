"""RecraftKit for Python: Recraft's image operations (crisp upscale, background removal,
...) through the services that sell them, as jobs.

    import recraft

    with recraft.Client(provider="sandbox", base_url="http://127.0.0.1:8080") as client:
        with client.submit("crisp_upscale", "photo.png") as job:
            job.wait()
            print(job.download("upscaled.png"))

A thin ctypes layer over librecraft.so (found through RECRAFT_LIBRARY, the package
directory, or a checkout's out/lib).
"""

from __future__ import annotations

from ._client import Client
from ._ffi import lib as _lib_handle
from ._job import Job, JobState
from .errors import (
    AuthenticationError,
    CancelledError,
    ConfigError,
    InsufficientCreditsError,
    InternalError,
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

__version__ = "0.1.0"


def library_version() -> str:
    """The version of the loaded librecraft.so (``recraft_version()``)."""
    value: bytes = _lib_handle.recraft_version()
    return value.decode()


__all__ = [
    "Client",
    "Job",
    "JobState",
    "library_version",
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
]
