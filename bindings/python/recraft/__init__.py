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

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names below are, for type checkers; at run time see __getattr__
    from ._client import Client
    from ._job import Job, JobState
    from ._results import BatchItem, Result
    from ._sandbox import Sandbox, SandboxError
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
        StoreUnavailableError,
        SubmitUncertainError,
        UnsupportedError,
    )

__version__ = "0.2.0"

#: Where each public name lives. ``import recraft`` imports none of these modules (PEP
#: 562): each is imported the first time one of its names is used (``recraft.Client``,
#: ``from recraft import Job``), so a program pays only for what it uses (issue 14).
_ERRORS = ("RecraftError", "InvalidArgumentError", "ConfigError", "UnsupportedError", "InvalidInputError",
           "AuthenticationError", "InsufficientCreditsError", "RateLimitedError", "ProviderUnavailableError",
           "NotFoundError", "JobFailedError", "RecraftTimeoutError", "CancelledError", "NetworkError",
           "RecraftIOError", "ProtocolError", "SubmitUncertainError", "NotReadyError", "InternalError",
           "StoreUnavailableError")
_LAZY: dict[str, str] = {
    "Client": "_client",
    "Job": "_job",
    "JobState": "_job",
    "Result": "_results",
    "BatchItem": "_results",
    "Sandbox": "_sandbox",
    "SandboxError": "_sandbox",
    **{name: "errors" for name in _ERRORS},
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # The import statement's own path (not importlib.import_module's): -X importtime shows it.
    value = getattr(__import__(module, globals(), None, [name], 1), name)
    globals()[name] = value  # once: the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def library_version() -> str:
    """The version of the loaded librecraft.so (``recraft_version()``)."""
    from ._ffi import lib

    value: bytes = lib.recraft_version()
    return value.decode()


def library_path() -> str:
    """The file librecraft.so was loaded from (loading it if need be)."""
    from . import _lib
    from ._ffi import lib

    lib.recraft_version()
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
