"""The sandbox, the local emulator of every provider, as a process: ``recraft.Sandbox()``
and ``python -m recraft sandbox``.

The emulator is the `sandbox` subcommand of the RecraftKit command line program. The
wheel carries it (``recraft/_bin/recraft``, with the libraries it needs in
``recraft.libs``), so a Python user can try everything offline without Swift. A source
install has none: there, ``RECRAFT_CLI`` names the program (``make build`` builds
``.build/debug/recraft-cli`` in the checkout).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import Client

#: The API key a client of a sandbox started without ``api_key`` gets (it takes any).
_ANY_KEY = "sandbox-needs-no-key"


def cli_candidates() -> list[Path]:
    """Where the command line program is looked for, in order.

    1. ``RECRAFT_CLI``: the path of the program, when set;
    2. the copy shipped inside this package (the wheel puts it there);
    3. in a RecraftKit checkout, ``<repo>/.build/debug/recraft-cli`` (``make build``).
    """
    paths: list[Path] = []
    env = os.environ.get("RECRAFT_CLI")
    if env:
        paths.append(Path(env))
    here = Path(__file__).resolve().parent
    paths.append(here / "_bin" / "recraft")
    if here.parent.name == "python" and here.parent.parent.name == "bindings":
        paths.append(here.parent.parent.parent / ".build" / "debug" / "recraft-cli")
    return paths


def find_cli() -> Path:
    """The command line program (see ``cli_candidates``). Raises FileNotFoundError naming
    every place tried."""
    tried = cli_candidates()
    for path in tried:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise FileNotFoundError(
        "recraft: no sandbox program; tried:\n" + "\n".join(f"  {p}" for p in tried)
        + "\nThe wheel (make python-wheel) ships it; with a source install, run `make build` in the"
        " RecraftKit checkout and set RECRAFT_CLI=<checkout>/.build/debug/recraft-cli.")


class SandboxError(RuntimeError):
    """The sandbox did not start (its stderr is in the message)."""


class Sandbox:
    """A local sandbox on a free loopback port, for as long as the ``with`` block runs::

        with recraft.Sandbox() as sandbox, sandbox.client() as client:
            client.crisp_upscale("photo.png", output="big.png")

    ``url`` is its base URL: ``recraft.Client("sandbox", base_url=sandbox.url)`` is what
    ``client()`` returns (any API key will do, unless ``api_key`` was given). Keyword
    arguments become the sandbox's options (``task_duration_ms=100`` is
    ``--task-duration-ms 100``; ``True`` a flag; a list repeats the option); ``args`` are
    passed as they are. ``recraft-cli sandbox --help`` lists them. The program is
    RECRAFT_CLI when set, else the one the wheel ships (``executable`` overrides both).
    Its stderr goes to ``stderr`` when given, else to a temporary file whose end is in
    the error if it fails to start.
    """

    def __init__(self, *args: str, host: str = "127.0.0.1", port: int = 0, api_key: str | None = None,
                 executable: str | os.PathLike[str] | None = None, startup_timeout: float = 60.0,
                 stderr: IO[Any] | None = None, **options: Any) -> None:
        self._command = [os.fspath(executable) if executable is not None else str(find_cli()), "sandbox",
                         "--host", host, "--port", str(port)]
        if api_key is not None:
            self._command += ["--api-key", api_key]
        for name, value in options.items():
            flag = "--" + name.replace("_", "-")
            values = value if isinstance(value, (list, tuple)) else [value]
            for item in values:
                if item is True:
                    self._command.append(flag)
                elif item is not False and item is not None:
                    self._command += [flag, item if isinstance(item, str) else json.dumps(item)]
        self._command += list(args)
        self.api_key = api_key
        self.startup_timeout = startup_timeout
        self._stderr_target = stderr
        self._log: IO[str] | None = None
        self.process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._url: str | None = None

    @property
    def url(self) -> str:
        """The base URL (``http://127.0.0.1:PORT``) while it runs."""
        if self._url is None:
            raise RuntimeError("the sandbox is not running: use it in a with block, or call start()")
        return self._url

    @property
    def command(self) -> list[str]:
        """The command line it runs (or ran)."""
        return list(self._command)

    def start(self) -> Sandbox:
        """Starts it and returns once it serves: it printed its URL and answered a request."""
        if self.process is not None:
            raise RuntimeError("the sandbox was already started")
        if self._stderr_target is None:
            self._log = tempfile.TemporaryFile("w+")  # a file: a pipe nobody reads could fill up
        self.process = process = subprocess.Popen(
            self._command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self._stderr_target or self._log, text=True)
        first = threading.Event()
        lines: list[str] = []

        def read() -> None:  # the first line is the URL; the rest is drained, so stdout never blocks it
            assert process.stdout is not None
            lines.append(process.stdout.readline())
            first.set()
            for _ in process.stdout:
                pass

        self._reader = threading.Thread(target=read, name="recraft-sandbox-stdout", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + self.startup_timeout
        while not first.wait(0.05):
            if process.poll() is not None or time.monotonic() > deadline:
                first.wait(0.5)  # it exited: the reader may still hold its last line
                break
        line = lines[0].strip() if lines else ""
        if not line.startswith("http://"):
            self._fail(f"printed no base URL within {self.startup_timeout:g} s (got {line!r})")
        self._url = line
        try:
            self.stats(timeout=max(1.0, deadline - time.monotonic()))
        except OSError as error:
            self._fail(f"printed {line} but does not answer there: {error}")
        return self

    def _fail(self, problem: str) -> None:
        assert self.process is not None
        code = self.process.poll()
        self._end(10.0)
        stderr = ""
        if self._log is not None:
            self._log.seek(0)
            stderr = self._log.read()[-2000:]
        self.stop()
        exited = f" (it exited with {code})" if code is not None else ""
        raise SandboxError(f"the sandbox {' '.join(self._command)} {problem}{exited}; stderr:\n{stderr}")

    def stats(self, timeout: float = 10.0) -> dict[str, Any]:
        """The sandbox's counters (GET /sandbox/stats): requests, tasks, ..."""
        with urllib.request.urlopen(self.url + "/sandbox/stats", timeout=timeout) as reply:
            value: dict[str, Any] = json.load(reply)
            return value

    def client(self, **settings: Any) -> Client:
        """``recraft.Client("sandbox", base_url=self.url, ...)`` with a key it accepts;
        keyword arguments are the Client's."""
        from ._client import Client

        settings.setdefault("api_key", self.api_key or _ANY_KEY)
        return Client("sandbox", base_url=self.url, **settings)

    def stop(self, grace: float = 10.0) -> None:
        """Stops it (SIGTERM; SIGKILL after ``grace`` seconds) and waits for it to exit."""
        self._end(grace)
        self._url = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _end(self, grace: float) -> None:
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(grace)  # its stdout is at its end once it exited
            if not self._reader.is_alive() and process.stdout is not None:
                process.stdout.close()
            self._reader = None

    @property
    def returncode(self) -> int | None:
        """The exit status once it ended; None while it runs (or before it started)."""
        return None if self.process is None else self.process.poll()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<recraft.Sandbox {self._url or 'not running'}>"
