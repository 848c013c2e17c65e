"""The exception classes: one per status family, raised by one helper from the
thread-local last error."""

from __future__ import annotations

import ctypes
import threading

import pytest

import recraft
from recraft import _ffi
from recraft.errors import _check, error_for, from_job_error

FAMILIES = {
    1: recraft.InvalidArgumentError, 2: recraft.ConfigError, 3: recraft.UnsupportedError,
    4: recraft.InvalidInputError, 5: recraft.AuthenticationError, 6: recraft.InsufficientCreditsError,
    7: recraft.RateLimitedError, 8: recraft.ProviderUnavailableError, 9: recraft.NotFoundError,
    10: recraft.JobFailedError, 11: recraft.RecraftTimeoutError, 12: recraft.CancelledError,
    13: recraft.NetworkError, 14: recraft.RecraftIOError, 15: recraft.ProtocolError,
    16: recraft.SubmitUncertainError, 17: recraft.NotReadyError, 18: recraft.InternalError,
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
