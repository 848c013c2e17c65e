"""Installing: `pip install ./bindings/python` into a fresh virtual environment builds
librecraft.so and ships it inside the package; the wheel (`make python-wheel`) is a
manylinux one that carries libcurl and the rest, and the sandbox, and runs a job where
there is no Swift at all.

Offline, as CI is: `--no-build-isolation --no-index`, so setuptools and wheel come from
the interpreter running the tests (the source-install venv sees them through
--system-site-packages; the wheel venv sees nothing but the wheel).

The source install runs the real build step (`make lib` in the checkout). The wheel is
built once, by `make python-wheel` itself (the release recraft-cli it carries takes
minutes the first time), and installed once into a venv outside the checkout; its tests
run from there with PATH stripped of Swift and no RECRAFT_* variables.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from conftest import PYTHON_DIR, ROOT, SAMPLE, Sandbox, png_size

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
           if k not in ("RECRAFT_LIBRARY", "RECRAFT_CLI", "RECRAFT_STORE", "PYTHONPATH", "PYTHONHOME",
                        "LD_LIBRARY_PATH", "VIRTUAL_ENV")}
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
def wheel() -> Path:
    """out/python/recraft-*.whl, as `make python-wheel` builds it (auditwheel-repaired)."""
    # Not the flags or the jobserver of a make above this one (make python-test).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    make = shutil.which("make")
    assert make, "the wheel is built by make python-wheel: make is missing"
    run([make, "--no-print-directory", "python-wheel"], cwd=ROOT, env=env, timeout=3600)
    wheels = list((ROOT / "out" / "python").glob("recraft-*.whl"))
    assert len(wheels) == 1, wheels  # the repaired one only
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv, outside the checkout, with nothing but the wheel installed."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    assert ROOT not in venv.resolve().parents
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=venv.parent)
    run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-index", "--no-deps",
         wheel], cwd=venv.parent)
    return venv


def no_swift_environment(**extra: str) -> dict[str, str]:
    env = environment(PATH=without_swift(os.environ["PATH"]), **extra)
    assert shutil.which("swift", path=env["PATH"]) is None
    return env


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

    # A source install carries no sandbox program: python -m recraft says where to get one.
    done = subprocess.run([str(python), "-m", "recraft", "sandbox"], cwd=tmp_path, env=environment(),
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 127 and "make build" in done.stderr and "RECRAFT_CLI" in done.stderr, done

    # RECRAFT_LIBRARY still overrides the shipped library.
    elsewhere = tmp_path / "elsewhere" / "librecraft.so"
    elsewhere.parent.mkdir()
    shutil.copy(package / "librecraft.so", elsewhere)
    probe = "import recraft; print(recraft.library_path())"
    assert run([python, "-c", probe], cwd=tmp_path, env=environment(RECRAFT_LIBRARY=str(elsewhere))).strip() \
        == str(elsewhere)


def test_the_wheel_is_manylinux_and_carries_its_libraries(wheel: Path) -> None:
    assert re.fullmatch(r"recraft-0\.2\.0-py3-none-manylinux_2_\d+_x86_64\.whl", wheel.name), wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert {"recraft/librecraft.so", "recraft/py.typed", "recraft/__init__.py", "recraft/__main__.py",
                "recraft/_bin/recraft", "recraft/_vendor/libsqlite3.so.0"} <= names
        metadata = archive.read("recraft-0.2.0.dist-info/WHEEL").decode()
        assert "Root-Is-Purelib: false" in metadata
        assert re.search(r"^Tag: py3-none-manylinux_2_\d+_x86_64$", metadata, re.M), metadata
        vendored = [n for n in names if n.startswith("recraft.libs/")]
        for library in ("libcurl", "libpng16", "libwebp", "libturbojpeg", "libssl", "libcrypto"):
            assert [n for n in vendored if n.startswith(f"recraft.libs/{library}-")], (library, vendored)
        assert not [n for n in names if "tests/" in n or n.endswith(".pyc")]
    shown = run([sys.executable, "-m", "auditwheel", "show", wheel], cwd=wheel.parent)
    assert re.search(r"consistent with\s+the following platform tag:\s+\"manylinux_2_\d+_x86_64\"", shown), shown


def test_the_installed_wheel_resolves_libcurl_from_its_own_copy(wheel_venv: Path) -> None:
    site = site_packages(wheel_venv)
    env = no_swift_environment()
    for binary in (site / "recraft" / "librecraft.so", site / "recraft" / "_bin" / "recraft"):
        needs = run(["ldd", binary], cwd=wheel_venv, env=env)
        assert "swift" not in needs.lower() and "not found" not in needs, needs
        curl = [line for line in needs.splitlines() if "libcurl" in line]
        assert len(curl) == 1, needs
        resolved = Path(curl[0].split("=>")[1].split("(")[0].strip())
        assert resolved.resolve().parent == (site / "recraft.libs").resolve(), curl[0]
        for line in needs.splitlines():  # every vendored library from the wheel, the system's for the rest
            if "=>" in line and re.search(r"lib(png16|webp|turbojpeg|ssl|crypto|nghttp2)", line):
                assert "recraft.libs" in line, line


def read_url(process: subprocess.Popen[str], timeout: float) -> str:
    """The sandbox's first line on stdout (its base URL), waited for without polling sleeps."""
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(timeout)
    return first[0].strip() if first else ""


def test_python_m_recraft_sandbox_runs_a_job_from_the_wheel(wheel_venv: Path, tmp_path: Path) -> None:
    """`python -m recraft sandbox` from the venv, and a crisp upscale against it from the
    venv's Python, with the default store (SQLite, the system's libsqlite3 here)."""
    python = wheel_venv / "bin" / "python"
    env = no_swift_environment(XDG_STATE_HOME=str(tmp_path / "state"))
    with open(tmp_path / "sandbox.err", "w+") as stderr:
        process = subprocess.Popen([str(python), "-m", "recraft", "sandbox", "--task-duration-ms", "100"],
                                   cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=stderr, text=True)
        try:
            url = read_url(process, 60)
            stderr.seek(0)
            assert url.startswith("http://127.0.0.1:"), (url, stderr.read()[-2000:])
            out = run([python, "-c", JOB, url, SAMPLE, tmp_path / "out.png"], cwd=tmp_path, env=env).splitlines()
            # python -m recraft exec'd the program: the running sandbox maps the wheel's libcurl, no other.
            curl = {line.split()[-1] for line in Path(f"/proc/{process.pid}/maps").read_text().splitlines()
                    if "libcurl" in line}
            assert curl and all(Path(c).parent == site_packages(wheel_venv) / "recraft.libs" for c in curl), curl
        finally:
            process.terminate()
            code = process.wait(60)
    assert out[0] == str(site_packages(wheel_venv) / "recraft" / "__init__.py")
    assert out[1] == str(site_packages(wheel_venv) / "recraft" / "librecraft.so")
    assert png_size(out[2])[0] >= 512
    assert (tmp_path / "state" / "recraft" / "store.sqlite3").is_file()  # the default store
    assert code == 0  # SIGTERM: a clean shutdown


#: `with recraft.Sandbox()` in the venv, with the system's libsqlite3 made unloadable:
#: the job's default store then runs on the wheel's copy.
SANDBOX_JOB = """
import ctypes, sys
real = ctypes.CDLL
def no_system_sqlite(name, *args, **kwargs):
    if name == "libsqlite3.so.0":
        raise OSError("libsqlite3.so.0: cannot open shared object file (this test)")
    return real(name, *args, **kwargs)
ctypes.CDLL = no_system_sqlite
import recraft
image, output = sys.argv[1:3]
with recraft.Sandbox(task_duration_ms=100) as sandbox:
    assert sandbox.url.startswith("http://127.0.0.1:"), sandbox.url
    with sandbox.client() as client:
        result = client.crisp_upscale(image, output, timeout=60)
    assert sandbox.stats()["tasksCreated"] == 1
ctypes.CDLL = real
assert sandbox.returncode is not None, "the sandbox outlived its with block"
maps = open("/proc/self/maps").read()
print(result.path)
print(sorted({line.split()[-1] for line in maps.splitlines() if "libsqlite3" in line}))
print(sorted({line.split()[-1] for line in maps.splitlines() if "libcurl" in line}))
"""


def test_the_sandbox_context_manager_and_the_vendored_sqlite(wheel_venv: Path, tmp_path: Path) -> None:
    python = wheel_venv / "bin" / "python"
    env = no_swift_environment(XDG_STATE_HOME=str(tmp_path / "state"))
    out = run([python, "-c", SANDBOX_JOB, SAMPLE, tmp_path / "out.png"], cwd=tmp_path, env=env).splitlines()
    assert png_size(out[0])[0] >= 512
    assert (tmp_path / "state" / "recraft" / "store.sqlite3").is_file()
    assert out[1] == repr([str(site_packages(wheel_venv) / "recraft" / "_vendor" / "libsqlite3.so.0")])
    curl = ast.literal_eval(out[2])  # the job's process loaded the wheel's libcurl, no other
    assert curl and all(Path(c).parent == site_packages(wheel_venv) / "recraft.libs" for c in curl), curl


def test_the_wheel_runs_a_job_without_swift(wheel_venv: Path, sandbox: Sandbox, tmp_path: Path) -> None:
    """The installed wheel against the tests' own sandbox, as a user with a remote one."""
    python = wheel_venv / "bin" / "python"
    env = no_swift_environment(XDG_STATE_HOME=str(tmp_path / "state"))
    out = run([python, "-c", JOB, sandbox.url, SAMPLE, tmp_path / "out.png"], cwd=tmp_path, env=env).splitlines()
    assert out[1] == str(site_packages(wheel_venv) / "recraft" / "librecraft.so")
    assert png_size(out[2])[0] >= 512


def test_the_readme_wheel_quick_start_runs_in_the_venv(wheel_venv: Path, tmp_path: Path) -> None:
    """README's "Quick start: the Python wheel" python block, as written, from the venv."""
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^## Quick start: the Python wheel.*?\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README.md has no '## Quick start: the Python wheel' section"
    blocks = re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    assert len(blocks) == 1, blocks
    shutil.copy(SAMPLE, tmp_path / "photo.png")
    env = no_swift_environment(XDG_STATE_HOME=str(tmp_path / "state"))
    out = run([wheel_venv / "bin" / "python", "-c", blocks[0]], cwd=tmp_path, env=env).splitlines()
    upscaled = tmp_path / "upscaled" / "photo.crisp-upscale.png"
    assert out[-1] in (str(upscaled), "upscaled/photo.crisp-upscale.png"), out
    assert png_size(upscaled)[0] >= 4 * png_size(tmp_path / "photo.png")[0]
