"""The package type-checks under mypy --strict (it ships py.typed, so users' checkers
read these annotations)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import PYTHON_DIR


def test_mypy_strict() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (make deps installs it)")
    result = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "recraft"],
                            cwd=PYTHON_DIR, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
