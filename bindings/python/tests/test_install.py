"""Installing: `pip install ./bindings/python` into a fresh virtual environment builds
librecraft.so and ships it inside the package; the wheel is tagged for the platform and
runs a job where there is no Swift at all.

Offline, as CI is: `--no-build-isolation --no-index`, so setuptools and wheel come from
the interpreter running the tests (the source-install venv sees them through
--system-site-packages; the wheel venv sees nothing but the wheel).

The source install runs the real build step (`make lib` in the checkout). The wheel is
built by the same `pip wheel` with RECRAFT_PREBUILT_LIBRARY set to the library these tests
load, which that step produced: a second null Swift build would only cost time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import PYTHON_DIR, SAMPLE, Sandbox, png_size

#: Run inside the venv: one job through the installed package.
JOB = """
import sys
import recraft
url, image, output = sys.argv[1:4]
with recraft.Client("sandbox", base_url=url, api_key="k") as client:
    result = client.crisp_upscale(image, output, timeout=60)
print(recraft.__file__)
print(recraft.library_path())
print(result.path)
"""


def environment(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python at the checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("RECRAFT_LIBRARY", "PYTHONPATH", "PYTHONHOME", "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1", **extra)
    return env


def run(command: list[Any], cwd: Path, env: dict[str, str] | None = None, timeout: int = 900) -> str:
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env or environment(), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def without_swift(path: str) -> str:
    """PATH without the directories that hold swift."""
    return os.pathsep.join(d for d in path.split(os.pathsep)
                           if d and not (Path(d) / "swift").exists() and "swift" not in d.lower())


def site_packages(venv: Path) -> Path:
    found = list(venv.glob("lib/python3*/site-packages"))
    assert len(found) == 1, found
    return found[0]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import recraft

    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "--no-index", PYTHON_DIR,
         "-w", dist], cwd=dist, env=environment(RECRAFT_PREBUILT_LIBRARY=recraft.library_path()))
    wheels = list(dist.glob("recraft-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_pip_install_from_the_repository_into_a_fresh_venv(sandbox: Sandbox, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([python, "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", PYTHON_DIR],
        cwd=tmp_path)
    package = site_packages(venv) / "recraft"
    assert (package / "librecraft.so").is_file() and (package / "py.typed").is_file()

    out = run([python, "-c", JOB, sandbox.url, SAMPLE, tmp_path / "out.png"], cwd=tmp_path).splitlines()
    assert out[0] == str(package / "__init__.py")  # the installed copy, not the checkout
    assert out[1] == str(package / "librecraft.so")  # its own library
    assert png_size(out[2])[0] >= 512

    # RECRAFT_LIBRARY still overrides the shipped library.
    elsewhere = tmp_path / "elsewhere" / "librecraft.so"
    elsewhere.parent.mkdir()
    shutil.copy(package / "librecraft.so", elsewhere)
    probe = "import recraft; print(recraft.library_path())"
    assert run([python, "-c", probe], cwd=tmp_path, env=environment(RECRAFT_LIBRARY=str(elsewhere))).strip() \
        == str(elsewhere)


def test_the_wheel_is_tagged_for_the_platform(wheel: Path) -> None:
    name = wheel.name
    assert name.startswith("recraft-0.2.0-py3-none-linux_") and name.endswith(".whl"), name
    assert "none-any" not in name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"recraft/librecraft.so", "recraft/py.typed", "recraft/__init__.py"} <= names
        assert "Root-Is-Purelib: false" in archive.read("recraft-0.2.0.dist-info/WHEEL").decode()
        assert not [n for n in names if "tests/" in n or n.endswith(".pyc")]


def test_the_wheel_runs_a_job_without_swift(wheel: Path, sandbox: Sandbox, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-deps", wheel], cwd=tmp_path)
    library = site_packages(venv) / "recraft" / "librecraft.so"

    if shutil.which("ldd"):
        needs = run(["ldd", library], cwd=tmp_path, env=environment(PATH=without_swift(os.environ["PATH"])))
        assert "swift" not in needs.lower() and "not found" not in needs, needs

    env = environment(PATH=without_swift(os.environ["PATH"]))
    assert shutil.which("swift", path=env["PATH"]) is None
    out = run([python, "-c", JOB, sandbox.url, SAMPLE, tmp_path / "out.png"], cwd=tmp_path, env=env).splitlines()
    assert out[1] == str(library)
    assert png_size(out[2])[0] >= 512
