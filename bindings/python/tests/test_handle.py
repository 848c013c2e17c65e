"""The owning base class: idempotent close, context manager, finaliser, and no free while a
call on another thread still uses the pointer."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from typing import Any

import pytest

import recraft
from conftest import PYTHON_DIR, SAMPLE, Sandbox
from recraft._handle import _Owned


class Thing(_Owned):
    _kind = "Thing"


class Recorder:
    def __init__(self) -> None:
        self.freed: list[Any] = []
        self.interrupted: list[Any] = []

    def thing(self, interrupt: bool = False) -> Thing:
        return Thing(object(), self.freed.append, self.interrupted.append if interrupt else None)


def test_close_frees_once() -> None:
    recorder = Recorder()
    thing = recorder.thing()
    thing.close()
    thing.close()
    assert len(recorder.freed) == 1 and thing.closed


def test_context_manager_closes_and_refuses_a_closed_object() -> None:
    recorder = Recorder()
    with recorder.thing() as thing:
        assert isinstance(thing, Thing) and not thing.closed
    assert len(recorder.freed) == 1
    with pytest.raises(recraft.InvalidArgumentError, match="this Thing is closed"):
        with thing:
            pass


def test_the_garbage_collector_frees_a_forgotten_object() -> None:
    recorder = Recorder()
    recorder.thing()
    gc.collect()
    assert len(recorder.freed) == 1


def test_close_during_a_call_frees_when_the_call_returns() -> None:
    recorder = Recorder()
    thing = recorder.thing(interrupt=True)
    in_call, release = threading.Event(), threading.Event()

    def call() -> None:
        with thing._use():
            in_call.set()
            release.wait(5)

    worker = threading.Thread(target=call)
    worker.start()
    assert in_call.wait(5)
    thing.close()  # does not block
    assert thing.closed and recorder.freed == [] and len(recorder.interrupted) == 1
    with pytest.raises(recraft.InvalidArgumentError, match="closed"):
        with thing._use():
            pass
    release.set()
    worker.join()
    assert len(recorder.freed) == 1


def test_close_inside_a_call_on_the_same_thread() -> None:
    recorder = Recorder()
    thing = recorder.thing()
    with thing._use():
        thing.close()
        assert recorder.freed == []
    assert len(recorder.freed) == 1


def test_close_from_many_threads_frees_once() -> None:
    recorder = Recorder()
    for _ in range(20):
        thing = recorder.thing()
        threads = [threading.Thread(target=thing.close) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(recorder.freed) == 20


def test_objects_alive_at_exit_are_freed_cleanly(sandbox: Sandbox) -> None:
    # Jobs still running and clients never closed when the interpreter exits: the
    # finalisers free them (cancelling the jobs) before Python tears down, so no
    # completion callback reaches a dying interpreter.
    program = f"""
import sys; sys.path.insert(0, {str(PYTHON_DIR)!r})
import recraft
client = recraft.Client("sandbox", base_url={sandbox.url!r}, api_key="k")
jobs = [client.submit("crisp_upscale", {str(SAMPLE)!r}) for _ in range(20)]
for job in jobs:
    job.add_done_callback(lambda job: print("late callback", flush=True))
print("exiting", flush=True)
"""
    for _ in range(3):
        result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[0] == "exiting"
        assert "Traceback" not in result.stderr and "Fatal" not in result.stderr, result.stderr
