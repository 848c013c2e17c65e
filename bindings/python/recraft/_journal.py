"""Where batches keep their journal by default, and what the journal cannot hold: each
input's name and output, so that ``Client.resume()`` saves reopened jobs under their
original names and lists the inputs that never started.

The default journal is the one place that decides it (``default_journal_path``): the
per-user state folder the CLI uses (``$XDG_STATE_HOME/recraft``, else
``~/.local/state/recraft``, see ``JournalOptions.defaultPath`` in
Sources/RecraftCLI/ClientOptions.swift), in a file of its own, ``python-journal.jsonl``,
so that ``recraft resume`` (which saves jobs without a record of its own beside their
input) does not collect a Python batch's jobs into the wrong place.

The sidecar, ``<journal>.python.jsonl``, is the CLI's ``OutputSidecar`` idea for the
bindings: append-only JSON Lines, one write per event (a crash loses at most a torn last
line, skipped on reading). Events, each with ``key`` (an input of a batch):
  planned   {operation, image, name, output, exact, overwrite}   every input, first
  started   {submitted_as}   just before its submit: the path or URL given to the library
  accepted  {task_id}        the provider's task id, once seen
  saved     {path}           its result is on disk (also for an input skipped as done)
The journal entry of a started input is found by its task id, else by the operation
and ``submitted_as`` (what the core's journal records as its image).
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import RecraftIOError

JOURNAL_NAME = "python-journal.jsonl"
SIDECAR_SUFFIX = ".python.jsonl"


def state_folder() -> str:
    """``$XDG_STATE_HOME/recraft`` (when absolute), else ``~/.local/state/recraft``."""
    state = os.environ.get("XDG_STATE_HOME", "")
    if not state.startswith("/"):
        state = os.path.join(os.environ.get("HOME") or os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "recraft")


def default_journal_path() -> str:
    """The journal batches write when the client has no ``journal_path``."""
    return os.path.join(state_folder(), JOURNAL_NAME)


def prepare(journal: str) -> None:
    """Creates the journal's folder (private to the user) if it is missing."""
    folder = os.path.dirname(os.path.abspath(journal))
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError as error:
        raise RecraftIOError(f"cannot create the journal's folder {folder}: {error.strerror or error}; pass "
                             "journal= (or the client's journal_path) elsewhere, or journal=False") from None


class Sidecar:
    """The sidecar of one journal, open for appending."""

    def __init__(self, journal: str) -> None:
        self.path = journal + SIDECAR_SUFFIX
        self._lock = threading.Lock()
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as error:
            raise RecraftIOError(f"cannot open {self.path}: {error.strerror or error}") from None

    @staticmethod
    def new_batch() -> str:
        return uuid.uuid4().hex[:12]

    def write(self, *events: dict[str, Any]) -> None:
        """Appends the events in one write. A failure is not fatal: the journal still has
        every job; only the names would be lost."""
        data = "".join(json.dumps(event, sort_keys=True) + "\n" for event in events).encode()
        with self._lock:
            if self._fd < 0:
                return
            try:
                while data:
                    written = os.write(self._fd, data)
                    data = data[written:]
            except OSError:
                pass

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


@dataclass
class Plan:
    """One input of a batch, folded from the sidecar."""

    key: str
    operation: str
    image: str | None
    name: str
    output: str | None
    exact: bool
    overwrite: bool
    provider: str | None = None
    base_url: str | None = None
    submitted_as: str | None = None
    task_id: str | None = None
    saved: str | None = None
    order: int = 0


def read_plans(journal: str) -> list[Plan]:
    """The inputs the sidecar of ``journal`` knows, latest plan per input and output
    (a batch run again replaces the plans of the earlier run), in planned order."""
    plans: dict[str, Plan] = {}
    try:
        with open(journal + SIDECAR_SUFFIX, "rb") as file:
            lines = file.read().splitlines()
    except FileNotFoundError:
        return []
    for number, line in enumerate(lines):
        try:
            event = json.loads(line)
            kind, key = str(event["event"]), str(event["key"])
        except (ValueError, KeyError, TypeError):
            continue  # torn by a crash
        if kind == "planned":
            plans[key] = Plan(key=key, operation=str(event.get("operation")), image=event.get("image"),
                              name=str(event.get("name")), output=event.get("output"),
                              exact=bool(event.get("exact")), overwrite=bool(event.get("overwrite")), order=number,
                              provider=event.get("provider"), base_url=event.get("base_url"))
        elif key in plans:
            plan = plans[key]
            if kind == "started":
                plan.submitted_as = event.get("submitted_as")
            elif kind == "accepted":
                plan.task_id = event.get("task_id")
            elif kind == "saved":
                plan.saved = event.get("path")
    latest: dict[tuple[str, str, str | None], Plan] = {}
    for plan in sorted(plans.values(), key=lambda p: p.order):
        latest[(plan.operation, plan.image or plan.name, plan.output)] = plan
    return sorted(latest.values(), key=lambda p: p.order)


@dataclass
class ResumeView:
    """What ``Client.resume()`` does with a journal and its sidecar."""

    #: (journal entry, its plan or None) to reopen by task id.
    reopen: list[tuple[dict[str, Any], Plan | None]] = field(default_factory=list)
    #: Inputs never submitted (or whose create request never went out): safe to run again.
    not_started: list[str] = field(default_factory=list)
    #: Inputs whose create request went out with no answer recorded: the provider may have
    #: the task; submitting again could pay twice.
    uncertain: list[str] = field(default_factory=list)


def _same_image(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and os.path.normpath(a) == os.path.normpath(b)


def resume_view(entries: list[dict[str, Any]], plans: list[Plan]) -> ResumeView:
    """Matches the journal's entries to the plans: see ``Client.resume``."""
    from ._output import Target

    view = ResumeView()
    used: set[int] = set()
    for plan in plans:
        if plan.saved is not None:
            continue
        if plan.submitted_as is None:
            view.not_started.append(plan.name)
            continue
        match = None
        for index, entry in enumerate(entries):
            if index in used or entry.get("operation") != plan.operation:
                continue
            if (plan.task_id and entry.get("task_id") == plan.task_id) or (
                    not plan.task_id and _same_image(entry.get("image"), plan.submitted_as)):
                match = index
                break
        if match is None:
            view.not_started.append(plan.name)  # the core never journalled it: nothing was sent
            continue
        used.add(match)
        entry = entries[match]
        status = entry.get("status")
        if entry.get("live"):
            continue  # a running worker (another process) still has it: its to finish
        if status == "not_sent":
            view.not_started.append(plan.name)
        elif status == "uncertain":
            view.uncertain.append(plan.name)
        elif status == "in_flight" and entry.get("task_id"):
            view.reopen.append((entry, plan))
        elif status == "succeeded" and entry.get("task_id") and plan.output is not None:
            if Target(plan.output, plan.exact).existing() is None:  # paid for, never saved
                view.reopen.append((entry, plan))
    for index, entry in enumerate(entries):
        if (index not in used and entry.get("status") == "in_flight" and entry.get("task_id") and entry.get("operation")
                and not entry.get("live")):
            view.reopen.append((entry, None))
    return view
