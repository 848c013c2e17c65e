"""recraft.Sandbox() and python -m recraft from the checkout, with RECRAFT_CLI (make
python-test sets it; test_install.py runs both from the installed wheel)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PYTHON_DIR, ROOT, SAMPLE, png_size


@pytest.fixture(autouse=True)
def cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECRAFT_CLI", os.environ.get("RECRAFT_CLI", str(ROOT / ".build" / "debug" / "recraft-cli")))


def test_a_sandbox_for_the_block(tmp_path: Path) -> None:
    import recraft

    sandbox = recraft.Sandbox(task_duration_ms=50, api_key="only-this-key")
    assert "not running" in repr(sandbox)
    with pytest.raises(RuntimeError):
        sandbox.url
    with sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:") and sandbox.returncode is None
        assert sandbox.command[1:3] == ["sandbox", "--host"] and "--task-duration-ms" in sandbox.command
        with sandbox.client(poll_initial_ms=20) as client:  # with the key it was started with
            result = client.crisp_upscale(SAMPLE, tmp_path / "out.png", timeout=60)
        assert png_size(result.path)[0] >= 512
        assert sandbox.stats()["tasksCreated"] == 1
        with recraft.Client("sandbox", base_url=sandbox.url, api_key="another") as other:
            with pytest.raises(recraft.AuthenticationError):
                other.crisp_upscale(SAMPLE, tmp_path / "refused.png", timeout=60)
    assert sandbox.returncode == 0  # SIGTERM: a clean shutdown
    sandbox.stop()  # again: nothing to do
    with pytest.raises(RuntimeError):
        sandbox.start()  # one run per object


def test_a_sandbox_that_cannot_start_says_why() -> None:
    import recraft

    with pytest.raises(recraft.SandboxError, match="--port must be between 0 and 65535"):
        recraft.Sandbox(port=70000).start()


def test_no_program_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import recraft
    import recraft._sandbox

    # As a source install outside the checkout: RECRAFT_CLI names nothing, no program shipped.
    monkeypatch.setattr(recraft._sandbox, "cli_candidates", lambda: [tmp_path / "missing", tmp_path / "_bin"])
    with pytest.raises(FileNotFoundError, match="make build.*RECRAFT_CLI"):
        recraft.Sandbox()


def test_python_m_recraft_passes_its_arguments_on(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    done = subprocess.run([sys.executable, "-m", "recraft", "sandbox", "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and "--task-duration-ms" in done.stdout, done
