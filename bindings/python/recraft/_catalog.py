"""The library's catalog (``recraft_catalog_json``), read once on first use: which
operations each preset offers, and the extensions a result may have. Python keeps no
list of its own (docs/ARCHITECTURE.md: the surfaces read the catalog)."""

from __future__ import annotations

import ctypes
import functools
import json
from typing import Any

from ._ffi import lib, take_string
from .errors import _check

#: Where ``recraft sandbox`` serves each dialect, relative to its base URL, in the order
#: an operation is routed: the first preset here that offers the operation runs it. The
#: CLI's ``Endpoint.sandboxRoutes`` (Sources/RecraftCLI/ClientPool.swift), which the
#: catalog does not carry yet; tests/test_catalog.py checks the two agree.
SANDBOX_ROUTES: tuple[tuple[str, str], ...] = (("sandbox", ""), ("recraft", "/v1"), ("recraft-mirror", ""))


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    out = ctypes.c_void_p()
    _check(lib.recraft_catalog_json(ctypes.byref(out)))
    value: dict[str, Any] = json.loads(take_string(out.value) or "{}")
    return value


def offers(preset: str, operation: str) -> bool:
    """True when ``preset`` offers ``operation``."""
    for entry in catalog().get("operations", []):
        if entry.get("name") == operation:
            return preset in entry.get("presets", [])
    return False


def sandbox_route(operation: str) -> tuple[str, str]:
    """(preset, path under the sandbox's base URL) that runs ``operation`` on a sandbox,
    as the CLI routes it; the sandbox's own preset when none offers it (the core then
    refuses it, naming the presets that do)."""
    for preset, path in SANDBOX_ROUTES:
        if offers(preset, operation):
            return preset, path
    return SANDBOX_ROUTES[0]


def result_extensions() -> list[str]:
    """The extensions a result may have (``OutputName.resultExtensions``): a file with
    any of them counts as a result already saved."""
    return [str(ext) for ext in catalog().get("result_extensions", ["png", "jpg", "jpeg", "webp", "svg"])]
