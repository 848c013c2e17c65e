"""The exception classes: one per status family, raised by one helper from the
thread-local last error."""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import pytest

import recraft
from conftest import SAMPLE
from recraft import _ffi
from recraft.errors import _check, error_for, from_job_error

FAMILIES = {
    1: recraft.InvalidArgumentError, 2: recraft.ConfigError, 3: recraft.UnsupportedError,
    4: recraft.InvalidInputError, 5: recraft.AuthenticationError, 6: recraft.InsufficientCreditsError,
    7: recraft.RateLimitedError, 8: recraft.ProviderUnavailableError, 9: recraft.NotFoundError,
    10: recraft.JobFailedError, 11: recraft.RecraftTimeoutError, 12: recraft.CancelledError,
    13: recraft.NetworkError, 14: recraft.RecraftIOError, 15: recraft.ProtocolError,
    16: recraft.SubmitUncertainError, 17: recraft.NotReadyError, 18: recraft.InternalError,
    19: recraft.StoreUnavailableError,
}


@pytest.mark.parametrize("code,cls", sorted(FAMILIES.items()))
def test_each_code_has_its_class(code: int, cls: type) -> None:
    error = error_for(code, "what happened")
    assert type(error) is cls
    assert isinstance(error, recraft.RecraftError)
    assert error.code == code and error.message == "what happened" and str(error) == "what happened"


def test_every_status_in_the_header_has_a_class() -> None:
    from test_ffi import HEADER
    import re

    codes = {int(v) for v in re.findall(r"^\s+RECRAFT_(?:OK|ERR_\w+) = (\d+)", HEADER.read_text(), re.M)}
    assert codes - {0} == set(FAMILIES)


def test_unknown_code_is_the_base_class() -> None:
    error = error_for(999, "from a newer library")
    assert type(error) is recraft.RecraftError and error.code == 999


def test_python_builtin_bases() -> None:
    assert issubclass(recraft.RecraftTimeoutError, TimeoutError)
    assert issubclass(recraft.RecraftIOError, OSError)
    assert issubclass(recraft.InvalidArgumentError, ValueError)
    assert issubclass(recraft.NetworkError, ConnectionError)
    with pytest.raises(TimeoutError):
        raise error_for(11, "deadline passed")


def test_job_error_carries_http_status_and_provider_code() -> None:
    error = from_job_error({"code": 5, "name": "authentication failed", "message": "the key was refused",
                            "http_status": 401, "provider_code": "401"})
    assert isinstance(error, recraft.AuthenticationError)
    assert (error.http_status, error.provider_code, error.message) == (401, "401", "the key was refused")
    assert "http_status=401" in repr(error)


def test_check_raises_from_the_last_error() -> None:
    out = _ffi.recraft_client_p()
    status = _ffi.lib.recraft_client_new(b'{"provider": "no-such-provider"}', ctypes.byref(out))
    with pytest.raises(recraft.ConfigError, match="no-such-provider") as info:
        _check(status)
    assert info.value.code == 2
    _check(0)  # RECRAFT_OK returns


def test_last_error_is_per_thread() -> None:
    out = _ffi.recraft_client_p()
    status = _ffi.lib.recraft_client_new(b'{"provider": "main-thread"}', ctypes.byref(out))

    def other() -> None:
        _ffi.lib.recraft_client_new(b'{"provider": "other-thread"}', ctypes.byref(_ffi.recraft_client_p()))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    with pytest.raises(recraft.ConfigError, match="main-thread"):
        _check(status)


# --------------------------------------------------------------------------- from a real provider


@pytest.mark.parametrize("rule,cls,provider_code", [
    ({"kind": "bodyCode", "path": "/api/v1/jobs/createTask", "status": 429}, recraft.RateLimitedError, "429"),
    ({"kind": "bodyCode", "path": "/api/v1/jobs/createTask", "status": 402}, recraft.InsufficientCreditsError, "402"),
    ({"kind": "bodyCode", "path": "/api/v1/jobs/createTask", "status": 455}, recraft.ProviderUnavailableError, "455"),
    ({"kind": "bodyCode", "path": "/api/v1/jobs/createTask", "status": 401}, recraft.AuthenticationError, "401"),
    # An unreadable poll reply is retried until the job's deadline (the task is the provider's);
    # an unreadable upload reply, with no retries left, is a protocol error.
    ({"kind": "malformedJSON", "path": "/api/file-stream-upload"}, recraft.ProtocolError, None),
    ({"kind": "resetConnection", "path": "/api/v1/jobs/createTask"}, recraft.SubmitUncertainError, None),
    ({"kind": "failTask", "path": "/api/v1/jobs/createTask", "failCode": "500", "message": "model crashed"},
     recraft.JobFailedError, "500"),
])
def test_provider_errors_arrive_as_their_family(faulty_sandbox: Any, rule: dict[str, Any], cls: type,
                                                provider_code: str | None) -> None:
    faulty_sandbox.add_fault(**rule)
    with recraft.Client("sandbox", base_url=faulty_sandbox.url, api_key="k", max_retries=0,
                        poll_initial_ms=20) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            with pytest.raises(cls) as info:
                job.wait(timeout=30)
            assert type(job.error()) is cls
    error = info.value
    assert type(error) is cls and error.code == cls.CODE  # type: ignore[attr-defined]
    assert error.provider_code == provider_code and error.message
    if rule["kind"] == "bodyCode":
        assert error.http_status == 200  # kie: HTTP 200 carrying the error code
