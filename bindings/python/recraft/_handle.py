"""The one owning base class behind Client and Job."""

from __future__ import annotations

import threading
from typing import Any, Callable

from .errors import InvalidArgumentError


class _Owned:
    """Owns one C handle: ``close()`` frees it once (later calls do nothing), ``with``
    closes it on exit, and the garbage collector closes what was forgotten.

    Using the object after ``close()`` raises InvalidArgumentError (a ValueError) that says
    so, rather than passing a dangling pointer to C.
    """

    _kind = "object"

    def __init__(self, pointer: Any, free: Callable[[Any], None]) -> None:
        self._pointer: Any = pointer
        self._free = free
        self._close_lock = threading.Lock()

    @property
    def _ptr(self) -> Any:
        pointer = self._pointer
        if pointer is None:
            raise InvalidArgumentError(f"this {self._kind} is closed; create a new one")
        return pointer

    @property
    def closed(self) -> bool:
        return self._pointer is None

    def close(self) -> None:
        """Frees the C handle. Safe to call more than once."""
        with self._close_lock:
            pointer, self._pointer = self._pointer, None
        if pointer is not None:
            self._free(pointer)

    def __enter__(self) -> Any:
        self._ptr  # raises if already closed
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may already be gone
            pass
