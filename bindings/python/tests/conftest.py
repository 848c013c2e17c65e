"""Shared fixtures: the sandbox (the local provider emulator) as a process, and clients.

The sandbox binary is RECRAFT_CLI, else <repo>/.build/debug/recraft-cli (`make build`).
The library is found the package's own way (RECRAFT_LIBRARY, the package, out/lib).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

ROOT = Path(__file__).resolve().parents[3]
PYTHON_DIR = ROOT / "bindings" / "python"
SAMPLE = ROOT / "bindings" / "c" / "examples" / "sample.png"
GOOD_KEY = "python-tests-key"
#: The session sandbox signs its callbacks with this key.
WEBHOOK_SECRET = "python-tests-webhook-secret"

sys.path.insert(0, str(PYTHON_DIR))


class Sandbox:
    """A running `recraft-cli sandbox` process."""

    def __init__(self, *args: str) -> None:
        cli = Path(os.environ.get("RECRAFT_CLI", ROOT / ".build" / "debug" / "recraft-cli"))
        if not cli.is_file():
            pytest.fail(f"the sandbox binary {cli} is missing: run `make build` or set RECRAFT_CLI", pytrace=False)
        # stderr goes to a file: a pipe nobody reads could fill up and stall the server.
        self._stderr = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen([str(cli), "sandbox", "--port", "0", *args], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._stderr, text=True)
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(30)
        line = first[0].strip() if first else ""
        if not line.startswith("http://"):
            self.stop()
            self._stderr.seek(0)
            stderr = self._stderr.read()
            pytest.fail(f"the sandbox printed no base URL (got {line!r}); stderr: {stderr[-2000:]}", pytrace=False)
        self.url = line

    def stats(self) -> dict[str, Any]:
        with urllib.request.urlopen(self.url + "/sandbox/stats", timeout=10) as reply:
            value: dict[str, Any] = json.load(reply)
            return value

    def add_fault(self, **rule: Any) -> None:
        """Adds a fault rule (``kind``, ``path``, ``status``, ``times``, ...), as
        ``recraft-cli sandbox --fault`` takes them."""
        request = urllib.request.Request(self.url + "/sandbox/faults", data=json.dumps(rule).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()

    def clear_faults(self) -> None:
        request = urllib.request.Request(self.url + "/sandbox/faults", method="DELETE")
        with urllib.request.urlopen(request, timeout=10) as reply:
            reply.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """A sandbox whose tasks take 300 ms; any non-empty API key is accepted; callbacks
    are signed with WEBHOOK_SECRET."""
    server = Sandbox("--task-duration-ms", "300", "--webhook-secret", WEBHOOK_SECRET)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keyed_sandbox() -> Iterator[Sandbox]:
    """A sandbox that accepts only GOOD_KEY."""
    server = Sandbox("--task-duration-ms", "100", "--api-key", GOOD_KEY)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slow_sandbox() -> Iterator[Sandbox]:
    """A sandbox whose tasks take 5 s: jobs that are still running when a test looks."""
    server = Sandbox("--task-duration-ms", "5000")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def fault_server() -> Iterator[Sandbox]:
    server = Sandbox("--task-duration-ms", "100")
    yield server
    server.stop()


@pytest.fixture
def faulty_sandbox(fault_server: Sandbox) -> Iterator[Sandbox]:
    """A sandbox for fault rules (``add_fault``); they are cleared after each test."""
    fault_server.clear_faults()
    yield fault_server
    fault_server.clear_faults()


def closed_port_url() -> str:
    """http://127.0.0.1:<a port nothing listens on>."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[Any]:
    import recraft

    with recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="test",
                        poll_initial_ms=20, poll_max_ms=100) as c:
        yield c


def png_size(path: str | Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    data = Path(path).read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", f"{path} is not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@pytest.fixture(autouse=True)
def private_state_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches journal by default under $XDG_STATE_HOME/recraft: never the real home's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))


@pytest.fixture(scope="module")
def postgres() -> Iterator[Any]:
    """A throwaway PostgreSQL server on loopback (postgres.py), for the module's tests."""
    from postgres import Postgres, binaries

    if binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server is not installed; .ci/run installs it", pytrace=False)
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql)")
    server = Postgres()
    yield server
    server.close()
