"""Finding and loading librecraft.so."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

_LIBRARY_NAME = "librecraft.so"
_lock = threading.Lock()
_loaded: ctypes.CDLL | None = None


def candidates() -> list[Path]:
    """Where the library is looked for, in order.

    1. ``RECRAFT_LIBRARY``: the path of the library file, when set;
    2. the copy shipped inside this package (``pip install`` puts it there);
    3. in a RecraftKit checkout (the package at ``<repo>/bindings/python/recraft``),
       ``<repo>/out/lib/librecraft.so``, what ``make build`` produces.
    """
    paths: list[Path] = []
    env = os.environ.get("RECRAFT_LIBRARY")
    if env:
        paths.append(Path(env))
    here = Path(__file__).resolve().parent
    paths.append(here / _LIBRARY_NAME)
    if here.parent.name == "python" and here.parent.parent.name == "bindings":
        paths.append(here.parent.parent.parent / "out" / "lib" / _LIBRARY_NAME)
    return paths


def _preload_sqlite() -> None:
    """librecraft.so dlopens "libsqlite3.so.0" for the default store. The wheel carries a
    copy (``_vendor/libsqlite3.so.0``) for systems without one: loaded here by its path
    when the system's cannot be, so the library's dlopen finds it by its soname. The
    system's comes first (its security updates; one SQLite with Python's sqlite3 module)."""
    vendored = Path(__file__).resolve().parent / "_vendor" / "libsqlite3.so.0"
    if not vendored.is_file():
        return
    for name in ("libsqlite3.so.0", str(vendored)):
        try:
            ctypes.CDLL(name)
            return
        except OSError:
            continue


def load() -> ctypes.CDLL:
    """The loaded library (loaded once per process). Raises ImportError listing every
    path tried and why each failed."""
    global _loaded
    with _lock:
        if _loaded is not None:
            return _loaded
        tried: list[str] = []
        _preload_sqlite()
        for path in candidates():
            if not path.is_file():
                tried.append(f"  {path}: not found")
                continue
            try:
                _loaded = ctypes.CDLL(str(path))
            except OSError as error:
                tried.append(f"  {path}: {error}")
                continue
            return _loaded
        raise ImportError(
            "recraft: cannot load librecraft.so; tried:\n" + "\n".join(tried)
            + "\nSet RECRAFT_LIBRARY to the library's path, reinstall the package"
            " (pip install ./bindings/python builds it), or run `make build` in the RecraftKit checkout."
        )


def loaded_path() -> str | None:
    """The file the library was loaded from, once loaded."""
    return _loaded._name if _loaded is not None else None
