"""Builds the `recraft` package with librecraft.so inside it.

The metadata is in pyproject.toml; this file adds the build step. `pip install
./bindings/python` (or `pip wheel`) run in a RecraftKit checkout builds the library from
the Swift package two directories up, in release with the Swift runtime linked in
statically, and puts it in the package, so the installed package (or the wheel) needs
neither Swift nor the checkout at run time:

* with `make` at hand, through the checkout's `make lib` (the very flags C users get:
  `-Xswiftc -static-stdlib`, the soname, the exported-symbol list), copied from
  out/lib/librecraft.so;
* otherwise `swift build -c release --product recraft -Xswiftc -static-stdlib
  --scratch-path .build-lib` directly.

Both reuse the checkout's `.build-lib`, so after `make build` this is a quick no-op
build. `RECRAFT_PREBUILT_LIBRARY=/path/librecraft.so` ships that file instead of
building. The wheel is tagged for the platform (`py3-none-linux_x86_64`): it holds a
native library but no Python extension, so any Python 3 on the platform can use it.

`make python-wheel` also sets RECRAFT_PREBUILT_CLI (a self-contained release
recraft-cli, which becomes `recraft/_bin/recraft`: the sandbox `python -m recraft sandbox`
and `recraft.Sandbox()` run) and RECRAFT_BUNDLE_SQLITE (libsqlite3.so.0, which becomes
`recraft/_vendor/libsqlite3.so.0`, the default store's engine where the system has none),
then auditwheel repairs the wheel into a manylinux one with libcurl and the rest vendored.
A plain `pip install` ships neither: building the sandbox takes minutes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.dist import Distribution

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LIBRARY = "librecraft.so"


def _run(command: list[str], env: dict[str, str]) -> str:
    print("recraft: " + " ".join(command), flush=True)
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    except OSError as error:
        raise SystemExit(f"recraft: cannot run {command[0]}: {error}") from None
    if done.returncode != 0:
        raise SystemExit(f"recraft: building librecraft.so failed ({' '.join(command)}):\n{done.stdout[-4000:]}")
    return done.stdout


def build_library() -> Path:
    """Builds librecraft.so (or takes the prebuilt one) and returns its path."""
    prebuilt = os.environ.get("RECRAFT_PREBUILT_LIBRARY")
    if prebuilt:
        if not Path(prebuilt).is_file():
            raise SystemExit(f"recraft: RECRAFT_PREBUILT_LIBRARY={prebuilt} is not a file")
        return Path(prebuilt)
    if not (ROOT / "Package.swift").is_file():
        raise SystemExit(f"recraft: librecraft.so is built from the RecraftKit checkout, but {ROOT} is not one "
                         "(build from bindings/python inside the checkout, or set RECRAFT_PREBUILT_LIBRARY)")
    # A make above this one (make python-test) must not hand its flags or jobserver down.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    make = shutil.which("make")
    if make and (ROOT / "Makefile").is_file():
        _run([make, "--no-print-directory", "lib"], env)
        return ROOT / "out" / "lib" / LIBRARY
    swift = env.get("SWIFT") or shutil.which("swift")
    if not swift:
        raise SystemExit("recraft: building librecraft.so needs Swift 6.3 on PATH (or set RECRAFT_PREBUILT_LIBRARY)")
    scratch = str(ROOT / ".build-lib")
    _run([swift, "build", "-c", "release", "--product", "recraft", "-Xswiftc", "-static-stdlib",
          "--scratch-path", scratch], env)
    bin_path = _run([swift, "build", "-c", "release", "--scratch-path", scratch, "--show-bin-path"], env)
    return Path(bin_path.strip().splitlines()[-1]) / LIBRARY


class BuildPyWithLibrary(build_py):
    """build_py, then librecraft.so into the built package."""

    def run(self) -> None:
        built_package = Path(self.build_lib) / "recraft"
        if built_package.exists():
            shutil.rmtree(built_package)  # no module left over from an earlier build
        super().run()
        if self.dry_run:
            return
        library = build_library()
        target = built_package / LIBRARY
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(library, target)
        os.chmod(target, 0o755)
        print(f"recraft: packaged {library} ({library.stat().st_size // 1024} KiB)", flush=True)
        for variable, name in (("RECRAFT_PREBUILT_CLI", "_bin/recraft"), ("RECRAFT_BUNDLE_SQLITE", "_vendor/libsqlite3.so.0")):
            source = os.environ.get(variable)
            if not source:
                continue
            if not Path(source).is_file():
                raise SystemExit(f"recraft: {variable}={source} is not a file")
            target = built_package / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)  # the file, not a symbolic link to it
            os.chmod(target, 0o755)
            print(f"recraft: packaged {source} as {name} ({Path(source).stat().st_size // 1024} KiB)", flush=True)


class BinaryDistribution(Distribution):
    """A distribution with a native library: installed to platlib, wheel not pure."""

    def has_ext_modules(self) -> bool:
        return True


commands: dict[str, Any] = {"build_py": BuildPyWithLibrary}
try:
    try:
        from setuptools.command.bdist_wheel import bdist_wheel
    except ImportError:  # setuptools < 70.1: the wheel package's
        from wheel.bdist_wheel import bdist_wheel  # type: ignore[no-redef]

    class PlatformWheel(bdist_wheel):  # type: ignore[misc, valid-type]
        """Tags the wheel py3-none-<platform>: any Python 3, this platform only."""

        def get_tag(self) -> tuple[str, str, str]:
            _, _, platform = super().get_tag()
            return "py3", "none", platform

    commands["bdist_wheel"] = PlatformWheel
except ImportError:  # no wheel support at all: plain installs still work
    pass

setup(cmdclass=commands, distclass=BinaryDistribution)
