"""The README's Python quick start runs as written: the fenced python block under
"Quick start: Python", with the sandbox's URL for the one it names, in a directory that
holds photo.png."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PYTHON_DIR, ROOT, SAMPLE, Sandbox, png_size

README_URL = "http://127.0.0.1:8080"


def quick_start() -> str:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## Quick start: Python\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no '## Quick start: Python' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    assert len(blocks) == 1, "the section should hold exactly one python block"
    return blocks[0]


def test_the_quick_start_runs_as_written(sandbox: Sandbox, tmp_path: Path) -> None:
    code = quick_start()
    assert README_URL in code
    shutil.copy(SAMPLE, tmp_path / "photo.png")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(PYTHON_DIR)  # "bindings/python on sys.path", or installed
    result = subprocess.run([sys.executable, "-c", code.replace(README_URL, sandbox.url)], cwd=tmp_path,
                            env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    upscaled = tmp_path / "upscaled" / "photo.crisp-upscale.png"
    assert png_size(upscaled)[0] >= 4 * png_size(tmp_path / "photo.png")[0]
    assert png_size(tmp_path / "photo-cutout.png") == png_size(tmp_path / "photo.png")
    printed = result.stdout.splitlines()
    assert printed[0] == os.path.join("upscaled", "photo.crisp-upscale.png")
    assert printed[1].endswith(" bytes") and int(printed[1].split()[0]) > 0
    assert printed[2].endswith(" photo-cutout.png")
    assert "recraft" in result.stderr and "succeeded" in result.stderr  # logging.basicConfig shows the jobs
