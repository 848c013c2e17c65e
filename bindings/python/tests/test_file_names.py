"""One naming rule: the same result of the same input is saved under the same file name
by C (the upscale sample, recraft_job_download into a folder), Python (an output
folder, and Job.download into a folder) and the recraft command (-o FOLDER/). The rule is
the core's (OutputName, Job.fileName)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLE, Sandbox


def _run(command: list[str], **env: str) -> None:
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
    assert done.returncode == 0, f"{command[0]} exited {done.returncode}: {done.stderr[-2000:]}"


def test_c_python_and_the_cli_save_a_result_under_one_name(sandbox: Sandbox, client: Any, tmp_path: Path) -> None:
    cli = Path(os.environ.get("RECRAFT_CLI", ROOT / ".build" / "debug" / "recraft-cli"))
    upscale = ROOT / "out" / "bin" / "upscale"
    if not upscale.is_file():
        pytest.fail(f"the C sample {upscale} is missing: run `make build` (it builds the examples)", pytrace=False)
    photo = tmp_path / "my 'best' photo.png"
    shutil.copyfile(SAMPLE, photo)
    folders = {name: tmp_path / name for name in ("c", "python", "python-job", "cli")}
    for folder in folders.values():
        folder.mkdir()

    _run([str(upscale), sandbox.url, str(photo), str(folders["c"])], RECRAFT_API_KEY="test")
    client.crisp_upscale(str(photo), f"{folders['python']}/")
    with client.submit("crisp_upscale", photo) as job:
        job.wait(timeout=120)
        saved = job.download(folders["python-job"])
        assert os.path.basename(saved) == job.file_name(0)
    _run([str(cli), "crisp-upscale", str(photo), "-o", f"{folders['cli']}/", "--provider", "sandbox",
          "--base-url", sandbox.url, "--api-key", "test"])

    # Hidden files (a batch's sidecar) are not results.
    names = {surface: sorted(n for n in os.listdir(folder) if not n.startswith(".")) for surface, folder in folders.items()}
    assert names == {surface: ["my 'best' photo.crisp-upscale.png"] for surface in folders}, names
