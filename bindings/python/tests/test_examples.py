"""The examples in bindings/python/examples run against the sandbox (examples are tests)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PYTHON_DIR, SAMPLE, Sandbox, png_size

EXAMPLES = PYTHON_DIR / "examples"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, timeout=120)


def test_upscale(sandbox: Sandbox, tmp_path: Path) -> None:
    result = run(EXAMPLES / "upscale.py", sandbox.url, SAMPLE, tmp_path / "out.png")
    assert result.returncode == 0, result.stderr
    assert "succeeded" in result.stdout and png_size(tmp_path / "out.png")[0] >= 512
    usage = run(EXAMPLES / "upscale.py")
    assert usage.returncode == 2 and "BASE_URL" in usage.stderr


def test_batch(sandbox: Sandbox, tmp_path: Path) -> None:
    images = []
    for name in ("a.png", "b.png"):
        shutil.copy(SAMPLE, tmp_path / name)
        images.append(tmp_path / name)
    for flag in ([], ["--async"]):
        out = tmp_path / f"out{len(flag)}"
        result = run(EXAMPLES / "batch.py", sandbox.url, out, *images, tmp_path / "missing.png", *flag)
        assert result.returncode == 1, result.stderr  # one input is missing
        assert "missing.png: InvalidInputError" in result.stderr
        assert sorted(p.name for p in out.iterdir()) == ["a.crisp-upscale.png", "b.crisp-upscale.png"]


def test_gather(sandbox: Sandbox, tmp_path: Path) -> None:
    result = run(EXAMPLES / "gather.py", sandbox.url, SAMPLE, tmp_path, 30)
    assert result.returncode == 0, result.stderr
    assert "30 of 30 jobs succeeded" in result.stdout
    assert len(list(tmp_path.glob("*.png"))) == 30
