"""The one owning base class behind Client and Job."""

from __future__ import annotations

import contextlib
import threading
import weakref
from typing import Any, Callable, Iterator, TypeVar

from .errors import InvalidArgumentError

_Self = TypeVar("_Self", bound="_Owned")


class _Handle:
    """A C handle and who is using it. Kept apart from the owning object so that the
    finaliser (``weakref.finalize``) can close it without keeping the owner alive.

    A call borrows the pointer with ``use()``; ``close()`` marks the handle closed at
    once (new uses fail) and frees it when the last use in progress ends, so a pointer
    is never freed under a call on another thread, and ``close()`` never blocks.
    """

    __slots__ = ("_pointer", "_free", "_interrupt", "_kind", "_lock", "_users", "_closing")

    def __init__(self, pointer: Any, free: Callable[[Any], None], kind: str,
                 interrupt: Callable[[Any], object] | None) -> None:
        self._pointer: Any = pointer
        self._free = free
        self._interrupt = interrupt
        self._kind = kind
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False

    @property
    def closed(self) -> bool:
        return self._closing

    def acquire(self) -> Any:
        with self._lock:
            if self._closing or self._pointer is None:
                raise InvalidArgumentError(f"this {self._kind} is closed; create a new one")
            self._users += 1
            return self._pointer

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            pointer = self._take_if_unused()
        if pointer is not None:
            self._free(pointer)

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            pointer = self._take_if_unused()
            busy = self._pointer if pointer is None and self._interrupt is not None else None
            if busy is not None:
                self._users += 1  # keeps the pointer alive while it is interrupted
        if pointer is not None:
            self._free(pointer)
        elif busy is not None:
            try:
                assert self._interrupt is not None
                self._interrupt(busy)  # e.g. cancels the job, so blocked waits return
            finally:
                self.release()

    def _take_if_unused(self) -> Any:
        if self._closing and self._users == 0 and self._pointer is not None:
            pointer, self._pointer = self._pointer, None
            return pointer
        return None


class _Owned:
    """Owns one C handle: ``close()`` frees it once (later calls do nothing), ``with``
    closes it on exit, and the garbage collector (or interpreter exit) closes what was
    forgotten.

    Using the object after ``close()`` raises InvalidArgumentError (a ValueError) that says
    so, rather than passing a dangling pointer to C. A close while another thread is in a
    call on the object takes effect when that call returns.
    """

    _kind = "object"

    def __init__(self, pointer: Any, free: Callable[[Any], None],
                 interrupt: Callable[[Any], object] | None = None) -> None:
        self._handle = _Handle(pointer, free, self._kind, interrupt)
        self._finalizer = weakref.finalize(self, self._handle.close)

    @contextlib.contextmanager
    def _use(self) -> Iterator[Any]:
        """The C pointer, valid until the block ends, even if another thread closes the
        object meanwhile. Raises InvalidArgumentError once the object is closed."""
        pointer = self._handle.acquire()
        try:
            yield pointer
        finally:
            self._handle.release()

    @property
    def closed(self) -> bool:
        """True once ``close()`` was called."""
        return self._handle.closed

    def close(self) -> None:
        """Frees the C handle. Safe to call more than once, and from any thread."""
        self._handle.close()

    def __enter__(self: _Self) -> _Self:
        self._handle.acquire()  # raises if already closed
        self._handle.release()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
