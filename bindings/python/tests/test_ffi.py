"""The ctypes declarations in recraft/_ffi.py match include/recraft.h, so they cannot drift:
the same functions, the same argument counts and types, and the C prototype in the
comment above each declaration equal to the header's."""

from __future__ import annotations

import ctypes
import re
from ctypes import POINTER, c_char_p, c_int32, c_int64, c_size_t, c_void_p
from typing import Any

from conftest import PYTHON_DIR, ROOT

from recraft import _ffi

HEADER = ROOT / "include" / "recraft.h"


def header_prototypes() -> dict[str, tuple[str, list[str]]]:
    """name -> (return type, [parameter declarations]) for every `extern` function."""
    found: dict[str, tuple[str, list[str]]] = {}
    text = HEADER.read_text()
    for match in re.finditer(r"^extern (.+?)\b(recraft_\w+)\((.*?)\);$", text, re.M):
        ret, name, params = match.group(1).strip(), match.group(2), match.group(3).strip()
        found[name] = (ret, [] if params == "void" else [p.strip() for p in params.split(",")])
    return found


def param_type(declaration: str) -> str:
    """`const recraft_job *job` -> `const recraft_job *`."""
    return re.sub(r"\s*\b\w+$", "", declaration).strip() if declaration not in ("void",) else "void"


HANDLES = {"recraft_client": _ffi.recraft_client, "recraft_job": _ffi.recraft_job}


def expected_ctype(c_type: str, *, returned: bool) -> Any:
    c_type = re.sub(r"\s+", " ", c_type).replace(" *", "*").strip()
    scalar = {"void": None, "recraft_status": c_int32, "recraft_state": c_int32, "int32_t": c_int32,
              "int64_t": c_int64, "size_t": c_size_t}
    if c_type in scalar:
        return scalar[c_type]
    if c_type == "const char*":
        return c_char_p
    if c_type == "char*":
        # Library-allocated strings come back as c_void_p so they can be freed.
        return c_void_p
    if c_type == "char**":
        return POINTER(c_void_p)
    m = re.fullmatch(r"(?:const )?(recraft_client|recraft_job)(\*+)", c_type)
    if m:
        t: Any = HANDLES[m.group(1)]
        for _ in m.group(2):
            t = POINTER(t)
        return t
    m = re.fullmatch(r"(recraft_status|recraft_state|int32_t|int64_t|size_t)\*", c_type)
    if m:
        return POINTER(scalar[m.group(1)])
    raise AssertionError(f"test_ffi does not know how to map the C type {c_type!r}: extend expected_ctype")


def test_header_declares_functions() -> None:
    assert len(header_prototypes()) >= 20


def test_every_header_function_is_declared_and_nothing_else() -> None:
    assert sorted(_ffi.DECLARATIONS) == sorted(header_prototypes())


def test_types_match_the_header() -> None:
    problems = []
    for name, (ret, params) in header_prototypes().items():
        restype, argtypes = _ffi.DECLARATIONS[name]
        if restype is not expected_ctype(ret, returned=True):
            problems.append(f"{name}: returns {ret!r}, declared {restype}")
        if len(argtypes) != len(params):
            problems.append(f"{name}: {len(params)} parameters in the header, {len(argtypes)} declared")
            continue
        for index, (param, declared) in enumerate(zip(params, argtypes)):
            if declared is not expected_ctype(param_type(param), returned=False):
                problems.append(f"{name}: parameter {index} is {param!r}, declared {declared}")
    assert not problems, "\n".join(problems)


def test_comments_carry_the_header_prototypes() -> None:
    source = (PYTHON_DIR / "recraft" / "_ffi.py").read_text()
    comments = {}
    for match in re.finditer(r'^# (.+);\n_declare\("(recraft_\w+)"', source, re.M):
        comments[match.group(2)] = match.group(1) + ";"
    declared = re.findall(r'^_declare\("(recraft_\w+)"', source, re.M)
    header = {name: f"{ret}{'' if ret.endswith('*') else ' '}{name}({', '.join(params) or 'void'});"
              for name, (ret, params) in header_prototypes().items()}
    assert sorted(comments) == sorted(declared), "every _declare needs its C prototype in the comment right above it"
    assert sorted(comments) == sorted(header)
    for name, prototype in header.items():
        assert comments[name] == prototype, f"{name}: comment {comments[name]!r} vs header {prototype!r}"


def test_handles_are_distinct_structure_types() -> None:
    assert issubclass(_ffi.recraft_client, ctypes.Structure)
    assert issubclass(_ffi.recraft_job, ctypes.Structure)
    assert _ffi.recraft_client is not _ffi.recraft_job


def test_declarations_resolve_in_the_library() -> None:
    for name in _ffi.DECLARATIONS:
        function = getattr(_ffi.lib, name)
        assert function.argtypes == _ffi.DECLARATIONS[name][1]


def test_version_macros_match_the_library() -> None:
    text = HEADER.read_text()
    parts = [re.search(rf"#define RECRAFT_VERSION_{p} (\d+)", text) for p in ("MAJOR", "MINOR", "PATCH")]
    assert all(parts)
    header_version = ".".join(m.group(1) for m in parts if m)
    import recraft

    assert recraft.library_version() == header_version
