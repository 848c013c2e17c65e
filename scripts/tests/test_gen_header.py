"""Tests of scripts/gen-header.py on a small fixture module (fixture/Exports.swift).

The fixture is compiled by the real Swift compiler, so a change in how the compiler
prints @c declarations shows up here before it breaks include/recraft.h.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FIXTURE = HERE / "fixture"

spec = importlib.util.spec_from_file_location("gen_header", ROOT / "scripts" / "gen-header.py")
assert spec and spec.loader
gen = importlib.util.module_from_spec(spec)
sys.modules["gen_header"] = gen
spec.loader.exec_module(gen)


@pytest.fixture(scope="module")
def raw_header(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("swiftc") is None:
        pytest.skip("swiftc is not on PATH")
    out = tmp_path_factory.mktemp("raw") / "Fixture-Swift.h"
    subprocess.run(
        ["swiftc", "-parse-as-library", "-typecheck", "-module-name", "Fixture",
         "-emit-clang-header-path", str(out), str(FIXTURE / "Exports.swift")],
        check=True,
    )
    return out


@pytest.fixture(scope="module")
def header(raw_header: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    version = tmp_path_factory.mktemp("v") / "RecraftKit.swift"
    version.write_text("public enum RecraftKit {\n    public static let versionMajor = 3\n"
                       "    public static let versionMinor = 14\n    public static let versionPatch = 15\n}\n")
    return gen.generate(raw_header, FIXTURE, version)


def declaration(header: str, name: str) -> str:
    lines = [line for line in header.splitlines()
             if line.startswith("extern ") and (f" {name}(" in line or f"*{name}(" in line)]
    assert len(lines) == 1, f"{name}: {lines}"
    return lines[0]


def test_no_swift_preamble_is_left(header: str) -> None:
    for word in ("SWIFT_", "_Nullable", "_Nonnull", "#pragma", "__has_", "ext_vector_type", "<code>"):
        assert word not in header


def test_handles_are_typed_by_parameter_name(header: str) -> None:
    assert declaration(header, "recraft_client_new") == \
        "extern recraft_status recraft_client_new(const char *config_json, recraft_client **client_out);"
    assert declaration(header, "recraft_client_free") == "extern void recraft_client_free(recraft_client *client);"
    assert declaration(header, "recraft_job_id") == "extern const char *recraft_job_id(const recraft_job *job);"
    assert declaration(header, "recraft_job_wait") == \
        "extern recraft_status recraft_job_wait(recraft_job *job, int64_t timeout_ms, recraft_state *state_out);"
    assert declaration(header, "recraft_job_copy") == \
        "extern recraft_status recraft_job_copy(const recraft_job *other_job, recraft_job **job_out);"


def test_sizes_callbacks_and_explicit_names(header: str) -> None:
    assert declaration(header, "recraft_job_result_count") == "extern size_t recraft_job_result_count(const recraft_job *job);"
    assert declaration(header, "recraft_job_json") == "extern char *recraft_job_json(const recraft_job *job);"
    assert declaration(header, "recraft_job_on_end") == (
        "extern recraft_status recraft_job_on_end(recraft_job *job, void (*callback)(void *, recraft_state), void *user_data);")
    assert declaration(header, "recraft_version") == "extern const char *recraft_version(void);"
    assert "recraft_not_exported" not in header


def test_a_known_callback_shape_gets_its_typedef(header: str) -> None:
    assert declaration(header, "recraft_job_on_complete") == (
        "extern recraft_status recraft_job_on_complete(recraft_job *job, recraft_job_callback callback, void *user_data);")
    typedef = "typedef void (*recraft_job_callback)(recraft_job *job, recraft_state state, void *user_data);"
    assert header.count(typedef) == 1
    # Declared after what it names (recraft_job, recraft_state) and before its first use, with its doc.
    assert header.index("typedef int32_t recraft_state;") < header.index(typedef) < header.index("recraft_job_callback callback")
    assert "/// A job's completion callback" in header.split(typedef)[0].splitlines()[-5]


def test_a_callback_typedef_is_left_out_when_nothing_uses_it(raw_header: Path, tmp_path: Path) -> None:
    raw = raw_header.read_text()
    lines = [line for line in raw.splitlines(True) if " recraft_job_on_complete(" not in line]
    assert len(lines) == len(raw.splitlines(True)) - 1
    trimmed = tmp_path / "Trimmed-Swift.h"
    trimmed.write_text("".join(lines))
    version = tmp_path / "RecraftKit.swift"
    version.write_text("let versionMajor = 1\nlet versionMinor = 0\nlet versionPatch = 0\n")
    text = gen.generate(trimmed, FIXTURE, version)
    assert "recraft_job_on_complete(" not in text and "recraft_job_callback" not in text


def test_enums_become_fixed_width_typedefs_and_constants(header: str) -> None:
    assert "typedef int32_t recraft_status;" in header
    assert "typedef int32_t recraft_state;" in header
    for constant in ("RECRAFT_OK = 0,", "RECRAFT_ERR_INVALID_ARGUMENT = 1,", "RECRAFT_ERR_IO = 14,",
                     "RECRAFT_ERR_PROTOCOL = 15", "RECRAFT_STATE_PENDING = 0,", "RECRAFT_STATE_RUNNING = 1,",
                     "RECRAFT_STATE_CANCELLED = 4"):
        assert f"    {constant}\n" in header
    # recraft_status comes first, whatever order the compiler printed.
    assert header.index("typedef int32_t recraft_status;") < header.index("typedef int32_t recraft_state;")


def test_doc_comments_are_kept_verbatim(header: str) -> None:
    assert "/// Status codes.\n///\n/// Append-only: the second paragraph must survive.\ntypedef int32_t recraft_status;" in header
    assert "    /// The provider's reply could not be understood.\n    RECRAFT_ERR_PROTOCOL = 15" in header
    assert "/// - `client_out`: receives the client; caller owns; free with recraft_client_free.\n" \
           "extern recraft_status recraft_client_new(" in header
    # A doc on `case a, b, c` documents each of them, as the compiler does.
    assert header.count("/// Finished: `succeeded`, `failed` or `cancelled`.") == 3
    assert "/// Waits for the job.\nextern recraft_status recraft_job_wait(" in header


def test_version_macros(header: str) -> None:
    assert "#define RECRAFT_VERSION_MAJOR 3\n#define RECRAFT_VERSION_MINOR 14\n#define RECRAFT_VERSION_PATCH 15\n" in header


@pytest.mark.parametrize("compiler,flags", [
    ("cc", ["-std=c11", "-x", "c"]),
    ("c++", ["-std=c++17", "-x", "c++"]),
])
def test_output_compiles_cleanly_twice_included(header: str, tmp_path: Path, compiler: str, flags: list[str]) -> None:
    if shutil.which(compiler) is None:
        pytest.skip(f"{compiler} is not on PATH")
    (tmp_path / "recraft.h").write_text(header)
    source = tmp_path / "main.c"
    source.write_text('#include "recraft.h"\n#include "recraft.h"\n'
                      "static void on_complete(recraft_job *job, recraft_state state, void *user_data)\n"
                      "{ (void)job; (void)state; (void)user_data; }\n"
                      "int main(void) { recraft_job_callback callback = on_complete; (void)callback;\n"
                      "  recraft_status s = RECRAFT_OK; recraft_state t = RECRAFT_STATE_FAILED;\n"
                      "  return (int)s + (int)t - 3 + (RECRAFT_VERSION_AT_LEAST(3, 14, 15) ? 0 : 1)\n"
                      "       + (RECRAFT_VERSION_AT_LEAST(3, 15, 0) ? 1 : 0); }\n")
    exe = tmp_path / "main"
    subprocess.run([compiler, *flags, "-Wall", "-Wextra", "-pedantic", "-Werror", str(source), "-o", str(exe)], check=True)
    assert subprocess.run([str(exe)]).returncode == 0


def test_check_mode_reports_a_stale_header(raw_header: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "recraft.h"
    args = ["--raw", str(raw_header), "--sources", str(FIXTURE), "--output", str(out)]
    assert gen.main(args) == 0
    assert gen.main(args + ["--check"]) == 0
    out.write_text(out.read_text().replace("Creates a client.", "Makes a client."))
    assert gen.main(args + ["--check"]) == 1
    captured = capsys.readouterr()
    assert "-/// Makes a client." in captured.out and "+/// Creates a client." in captured.out
    assert "make header" in captured.err


def test_snake_case_of_swift_case_names() -> None:
    assert gen.constant_name("recraft_status", "errInvalidArgument") == "RECRAFT_ERR_INVALID_ARGUMENT"
    assert gen.constant_name("recraft_status", "ok") == "RECRAFT_OK"
    assert gen.constant_name("recraft_status", "errIOFailed") == "RECRAFT_ERR_IO_FAILED"
    assert gen.constant_name("recraft_log_level", "debug2") == "RECRAFT_LOG_LEVEL_DEBUG2"
