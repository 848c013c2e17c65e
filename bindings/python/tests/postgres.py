"""A throwaway PostgreSQL server on loopback, for the shared-store tests.

Debian's server binaries live in /usr/lib/postgresql/<version>/bin. initdb refuses to run
as root, so as root the cluster belongs to the `postgres` user (runuser). The server is
this process's child (not daemonized), so stopping it reaps it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class Postgres:
    def __init__(self) -> None:
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
        self.bin = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="recraft-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run([*self.as_user, str(self.bin / "initdb"), "--no-sync", "-A", "trust", "-U", "recraft", "-D", str(self.data)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql://recraft@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        log = open(self.root / "server.log", "ab")
        self.process = subprocess.Popen(
            [*self.as_user, str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.root),
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if ready.returncode == 0:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start: " + (self.root / "server.log").read_text()[-2000:])

    def stop(self, mode: str = "fast") -> None:
        """Stops the server: "immediate" is a crash as far as the clients can tell."""
        if self.process is None or self.process.poll() is not None:
            return
        subprocess.run([*self.as_user, str(self.bin / "pg_ctl"), "stop", "-m", mode, "-D", str(self.data)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
