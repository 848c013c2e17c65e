"""Completion callbacks from the library, through a table of small integer ids.

The library calls one C function, ``_trampoline``, on its callback thread when a job ends
(``recraft_job_on_complete``). Its ``user_data`` is an integer id, never a pointer to a
Python object: the trampoline looks the id up in ``_table`` and hands the state to that
job's ``Completion``. An id is used once and never reused, so a late or stray call finds
nothing rather than the wrong job.

A ``Completion`` fans one C callback out to any number of Python listeners: the
callbacks users add with ``Job.add_done_callback`` (run on the library thread; what they
raise is kept and raised again by ``Job.wait``), then internal ones (the asyncio futures
of ``Job.wait_async``, resolved through ``loop.call_soon_threadsafe``).
"""

from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Optional

from ._ffi import recraft_job_callback

#: A listener gets the final state's number, or None when the job was closed first.
Listener = Callable[[Optional[int]], object]

_lock = threading.Lock()
_table: dict[int, Completion] = {}
_ids = itertools.count(1)
_local = threading.local()


def in_callback() -> bool:
    """True on a library thread while it runs a completion callback: there, a job must
    not be freed and a wait for other callbacks could deadlock."""
    return bool(getattr(_local, "depth", 0))


def register(completion: Completion) -> int:
    """A new id for ``completion``, for the user_data of ``recraft_job_on_complete``."""
    with _lock:
        ident = next(_ids)
        _table[ident] = completion
    return ident


def unregister(ident: int) -> None:
    with _lock:
        _table.pop(ident, None)


def pending() -> int:
    """How many completions wait for their callback (for tests)."""
    with _lock:
        return len(_table)


def _on_complete(job: Any, state: int, user_data: Any) -> None:
    with _lock:
        completion = _table.pop(int(user_data or 0), None)
    if completion is None:
        return
    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        completion.fire(int(state))
    except BaseException:  # nothing may unwind into the library's thread
        pass
    finally:
        _local.depth -= 1


#: The one C function pointer the library ever gets; it lives as long as the module.
trampoline = recraft_job_callback(_on_complete)


class Completion:
    """One job's end, as seen by its listeners."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._user: list[Listener] = []
        self._internal: list[Listener] = []
        self._fired = False
        self._state: int | None = None
        self.ident: int | None = None
        #: True once a user callback was added: a waiter then waits for it to run.
        self.has_user_callbacks = False
        #: Set once every listener has run.
        self.done = threading.Event()
        #: What user callbacks raised, oldest first, until a wait raises it.
        self.errors: list[BaseException] = []

    def add(self, listener: Listener, *, user: bool) -> bool:
        """Adds ``listener``; when the job has already ended, calls it now (on this
        thread) and returns False."""
        with self._lock:
            if not self._fired:
                (self._user if user else self._internal).append(listener)
                self.has_user_callbacks |= user
                return True
            state = self._state
        self._call(listener, state, user=user)
        return False

    def remove(self, listener: Listener) -> None:
        with self._lock:
            for listeners in (self._user, self._internal):
                if listener in listeners:
                    listeners.remove(listener)

    def fire(self, state: int | None) -> None:
        """Runs every listener once: user callbacks first, so that a waiter woken by an
        internal listener already sees what they raised. For a job closed before its end
        (``state`` None) only the internal listeners run."""
        with self._lock:
            if self._fired:
                return
            self._fired = True
            self._state = state
            user, internal = self._user, self._internal
            self._user, self._internal = [], []
        try:
            for listener in user:
                self._call(listener, state, user=True)
            for listener in internal:
                self._call(listener, state, user=False)
        finally:
            self.done.set()

    def abandon(self) -> None:
        """The job was closed: no callback will come; wake the listeners with None."""
        if self.ident is not None:
            unregister(self.ident)
        self.fire(None)

    def take_error(self) -> BaseException | None:
        with self._lock:
            return self.errors.pop(0) if self.errors else None

    def _call(self, listener: Listener, state: int | None, *, user: bool) -> None:
        if user and state is None:
            return
        try:
            listener(state)
        except BaseException as error:  # noqa: BLE001 - kept for the caller, not lost
            if user:
                with self._lock:
                    self.errors.append(error)
