"""Loading librecraft.so: RECRAFT_LIBRARY first, then the package, then the checkout's
out/lib; an ImportError that lists every path tried."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PYTHON_DIR, ROOT

from recraft import _lib

PROBE = "import recraft, recraft._lib as l; print(recraft.library_version()); print(l.loaded_path())"


def run_python(code: str, cwd: Path, env_library: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "RECRAFT_LIBRARY"}
    if env_library is not None:
        env["RECRAFT_LIBRARY"] = env_library
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def copy_package(tmp_path: Path, *parts: str) -> Path:
    """A copy of the package in tmp_path/a/b/c (or tmp_path/*parts), without a library."""
    target = tmp_path.joinpath(*(parts or ("a", "b", "c")))
    shutil.copytree(PYTHON_DIR / "recraft", target / "recraft",
                    ignore=shutil.ignore_patterns("__pycache__", "librecraft.so"))
    return target


def test_candidates_in_order(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("RECRAFT_LIBRARY", "/somewhere/librecraft.so")
    paths = _lib.candidates()
    assert paths[0] == Path("/somewhere/librecraft.so")
    assert paths[1] == PYTHON_DIR / "recraft" / "librecraft.so"
    assert paths[2] == ROOT / "out" / "lib" / "librecraft.so"
    monkeypatch.delenv("RECRAFT_LIBRARY")
    assert _lib.candidates()[0] == PYTHON_DIR / "recraft" / "librecraft.so"


def test_import_error_lists_every_path_tried(tmp_path: Path) -> None:
    where = copy_package(tmp_path)
    bogus = tmp_path / "not-a-library.so"
    bogus.write_text("not an ELF file")
    result = run_python(PROBE, where, str(bogus))
    assert result.returncode != 0
    assert "ImportError" in result.stderr
    assert f"{bogus}:" in result.stderr  # tried, with the loader's reason
    assert str(where / "recraft" / "librecraft.so") + ": not found" in result.stderr
    assert "out/lib" not in result.stderr  # not in a checkout: no checkout path to try
    assert "RECRAFT_LIBRARY" in result.stderr


def test_a_checkout_also_tries_its_out_lib(tmp_path: Path) -> None:
    where = copy_package(tmp_path, "repo", "bindings", "python")
    result = run_python(PROBE, where, None)
    assert result.returncode != 0
    assert str(where / "recraft" / "librecraft.so") + ": not found" in result.stderr
    assert str(tmp_path / "repo" / "out" / "lib" / "librecraft.so") + ": not found" in result.stderr


def test_recraft_library_wins(tmp_path: Path) -> None:
    library = ROOT / "out" / "lib" / "librecraft.so"
    copy = tmp_path / "elsewhere" / "librecraft.so"
    copy.parent.mkdir()
    shutil.copy(library, copy)
    result = run_python(PROBE, PYTHON_DIR, str(copy))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == str(copy)


def test_package_copy_is_found(tmp_path: Path) -> None:
    where = copy_package(tmp_path)
    shutil.copy(ROOT / "out" / "lib" / "librecraft.so", where / "recraft" / "librecraft.so")
    result = run_python(PROBE, where, None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == str(where / "recraft" / "librecraft.so")


def test_checkout_out_lib_is_the_fallback() -> None:
    result = run_python(PROBE, PYTHON_DIR, None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == str(ROOT / "out" / "lib" / "librecraft.so")


def stub_library(tmp_path: Path, names: list[str], version: str) -> Path:
    """A shared library with empty functions of these names and recraft_version()."""
    source = tmp_path / "stub.c"
    source.write_text("".join(f"void {name}(void) {{}}\n" for name in names if name != "recraft_version")
                      + f'const char *recraft_version(void) {{ return "{version}"; }}\n')
    library = tmp_path / "libstub.so"
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        import pytest

        pytest.skip("no C compiler to build a stub library")
    subprocess.run([compiler, "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return library


def test_a_library_older_than_the_bindings_is_an_import_error(tmp_path: Path) -> None:
    from recraft._ffi import DECLARATIONS

    names = [n for n in DECLARATIONS if n != "recraft_job_on_complete"]
    result = run_python(PROBE, copy_package(tmp_path), str(stub_library(tmp_path, names, "0.1.0")))
    assert result.returncode != 0
    assert "ImportError" in result.stderr and "lacks recraft_job_on_complete" in result.stderr


def test_another_major_version_is_an_import_error(tmp_path: Path) -> None:
    from recraft._ffi import ABI_MAJOR, DECLARATIONS

    result = run_python(PROBE, copy_package(tmp_path), str(stub_library(tmp_path, list(DECLARATIONS), "9.0.0")))
    assert result.returncode != 0
    assert f"is version 9.0.0, these bindings need {ABI_MAJOR}.x" in result.stderr
