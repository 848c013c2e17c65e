"""The ctypes declarations in recraft/_ffi.py match include/recraft.h, so they cannot drift:
the same functions, the same argument counts and types, and the C prototype in the
comment above each declaration equal to the header's.

Function-pointer parameters are understood in both spellings the header may use: inline
(``void (*callback)(void *, recraft_state, void *)``) or through a typedef
(``typedef void (*recraft_job_callback)(recraft_job *job, ...);`` then
``recraft_job_callback callback``). A callback's pointer arguments are compared as data
pointers (``void *`` and ``recraft_job *`` have the same ABI, and the binding never
dereferences them).
"""

from __future__ import annotations

import ctypes
import re
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_size_t, c_void_p
from typing import Any, NamedTuple

from conftest import PYTHON_DIR, ROOT

from recraft import _ffi

HEADER = ROOT / "include" / "recraft.h"


class FnPtr(NamedTuple):
    """A function-pointer type: its return type and argument types (names dropped)."""

    ret: str
    args: tuple[str, ...]


class Param(NamedTuple):
    type: Any  # str for a plain C type, FnPtr for a function pointer
    name: str


class Prototype(NamedTuple):
    ret: str
    name: str
    params: tuple[Param, ...]


def norm(c_type: str) -> str:
    """`const  recraft_job *` -> `const recraft_job*`."""
    return re.sub(r"\s+", " ", c_type).replace(" *", "*").strip()


def split_top(text: str) -> list[str]:
    """Splits a parameter list at the commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def strip_name(declaration: str) -> tuple[str, str]:
    """`const recraft_job *job` -> (`const recraft_job*`, `job`); `void *` -> (`void*`, ``)."""
    declaration = declaration.strip()
    match = re.fullmatch(r"(.*?[\s*])(\w+)", declaration)
    if match and match.group(2) not in ("void", "char", "int32_t", "int64_t", "size_t", "double", "recraft_state",
                                        "recraft_status") and match.group(1).strip():
        return norm(match.group(1)), match.group(2)
    return norm(declaration), ""


def fn_pointer(ret: str, args: str) -> FnPtr:
    arg_types = () if args.strip() in ("", "void") else tuple(strip_name(a)[0] for a in split_top(args))
    return FnPtr(norm(ret), arg_types)


def typedefs(text: str) -> dict[str, FnPtr]:
    """Function-pointer typedefs: `typedef void (*recraft_job_callback)(...);`."""
    found = {}
    for match in re.finditer(r"typedef\s+([^;{}]*?)\(\s*\*\s*(\w+)\s*\)\s*\(([^;]*?)\)\s*;", text, re.S):
        found[match.group(2)] = fn_pointer(match.group(1), match.group(3))
    return found


def parse_prototype(line: str, known: dict[str, FnPtr]) -> Prototype:
    match = re.fullmatch(r"(?:extern\s+)?(.+?)\b(recraft_\w+)\((.*)\);", line.strip(), re.S)
    assert match, f"not a prototype: {line!r}"
    ret, name, params_text = norm(match.group(1)), match.group(2), match.group(3).strip()
    params = []
    for param in ([] if params_text == "void" else split_top(params_text)):
        inline = re.fullmatch(r"(.+?)\(\s*\*\s*(\w*)\s*\)\s*\((.*)\)", param, re.S)
        if inline:
            params.append(Param(fn_pointer(inline.group(1), inline.group(3)), inline.group(2)))
            continue
        c_type, param_name = strip_name(param)
        params.append(Param(known.get(c_type, c_type), param_name))
    return Prototype(ret, name, tuple(params))


def header_text() -> str:
    return HEADER.read_text()


def header_lines(text: str) -> dict[str, str]:
    """name -> the `extern` declaration's text (without `extern`), one line each."""
    found = {}
    for match in re.finditer(r"^extern (.+?\b(recraft_\w+)\(.*?\);)$", text, re.M):
        found[match.group(2)] = match.group(1)
    return found


def header_prototypes(text: str | None = None) -> dict[str, Prototype]:
    text = header_text() if text is None else text
    known = typedefs(text)
    return {name: parse_prototype(line, known) for name, line in header_lines(text).items()}


def canonical(prototype: Prototype) -> tuple[Any, ...]:
    """A prototype as compared with a comment: types and names, a callback's data
    pointers as `void*`."""
    def data_pointer(c_type: str) -> str:
        return "void*" if c_type.endswith("*") else c_type

    params = tuple(
        (("fn", p.type.ret, tuple(data_pointer(a) for a in p.type.args)) if isinstance(p.type, FnPtr) else p.type,
         p.name) for p in prototype.params)
    return prototype.ret, prototype.name, params


HANDLES = {"recraft_client": _ffi.recraft_client, "recraft_job": _ffi.recraft_job}
SCALARS = {"void": None, "recraft_status": c_int32, "recraft_state": c_int32, "int32_t": c_int32,
           "int64_t": c_int64, "size_t": c_size_t, "double": c_double}


def expected_ctype(c_type: str) -> Any:
    c_type = norm(c_type)
    if c_type in SCALARS:
        return SCALARS[c_type]
    if c_type == "const char*":
        return c_char_p
    if c_type in ("char*", "void*", "const void*"):
        # Library-allocated strings come back as c_void_p so they can be freed.
        return c_void_p
    if c_type in ("char**", "void**"):
        return POINTER(c_void_p)
    if c_type == "recraft_job*const*":
        return POINTER(POINTER(HANDLES["recraft_job"]))
    m = re.fullmatch(r"(?:const )?(recraft_client|recraft_job)(\*+)", c_type)
    if m:
        t: Any = HANDLES[m.group(1)]
        for _ in m.group(2):
            t = POINTER(t)
        return t
    m = re.fullmatch(r"(recraft_status|recraft_state|int32_t|int64_t|size_t|double)\*", c_type)
    if m:
        return POINTER(SCALARS[m.group(1)])
    raise AssertionError(f"test_ffi does not know how to map the C type {c_type!r}: extend expected_ctype")


def is_data_pointer(ctype: Any) -> bool:
    return ctype in (c_void_p, c_char_p) or (isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer))


def problems_with(declared: Any, c_type: Any, where: str) -> list[str]:
    if isinstance(c_type, FnPtr):
        if not (isinstance(declared, type) and issubclass(declared, ctypes._CFuncPtr)):
            return [f"{where}: a function pointer in the header, declared {declared}"]
        problems = []
        if declared._flags_ & ctypes._FUNCFLAG_PYTHONAPI or not declared._flags_ & ctypes._FUNCFLAG_CDECL:
            problems.append(f"{where}: the callback type must be a plain CFUNCTYPE")
        if declared._restype_ is not expected_ctype(c_type.ret):
            problems.append(f"{where}: the callback returns {c_type.ret!r}, declared {declared._restype_}")
        if len(declared._argtypes_) != len(c_type.args):
            return problems + [f"{where}: the callback takes {len(c_type.args)} arguments, "
                               f"declared {len(declared._argtypes_)}"]
        for index, (arg, ctype) in enumerate(zip(c_type.args, declared._argtypes_)):
            wanted = expected_ctype(arg)
            if ctype is not wanted and not (is_data_pointer(ctype) and is_data_pointer(wanted)):
                problems.append(f"{where}: callback argument {index} is {arg!r}, declared {ctype}")
        return problems
    if declared is not expected_ctype(c_type):
        return [f"{where}: {c_type!r} in the header, declared {declared}"]
    return []


def test_header_declares_functions() -> None:
    assert len(header_prototypes()) >= 20


def test_every_header_function_is_declared_and_nothing_else() -> None:
    assert sorted(_ffi.DECLARATIONS) == sorted(header_prototypes())


def test_types_match_the_header() -> None:
    problems = []
    for name, prototype in header_prototypes().items():
        restype, argtypes = _ffi.DECLARATIONS[name]
        problems += problems_with(restype, prototype.ret, f"{name} return")
        if len(argtypes) != len(prototype.params):
            problems.append(f"{name}: {len(prototype.params)} parameters in the header, {len(argtypes)} declared")
            continue
        for index, (param, declared) in enumerate(zip(prototype.params, argtypes)):
            problems += problems_with(declared, param.type, f"{name} parameter {index} ({param.name})")
    assert not problems, "\n".join(problems)


def test_comments_carry_the_header_prototypes() -> None:
    source = (PYTHON_DIR / "recraft" / "_ffi.py").read_text()
    comments = {}
    for match in re.finditer(r'^# (.+;)\n_declare\("(recraft_\w+)"', source, re.M):
        comments[match.group(2)] = match.group(1)
    declared = re.findall(r'^_declare\("(recraft_\w+)"', source, re.M)
    text = header_text()
    known = {**typedefs(source), **typedefs(text)}  # the comments may name a typedef either has
    lines = header_lines(text)
    assert sorted(comments) == sorted(declared), "every _declare needs its C prototype in the comment right above it"
    assert sorted(comments) == sorted(lines)
    for name, line in lines.items():
        if comments[name] == line:
            continue
        # Spelt differently (a callback typedef): the same parameters all the same.
        assert canonical(parse_prototype(comments[name], known)) == canonical(parse_prototype(line, known)), \
            f"{name}: comment {comments[name]!r} vs header {line!r}"


def test_callback_types_carry_the_header_typedefs() -> None:
    # Each function-pointer typedef of the header is declared as a CFUNCTYPE of the same
    # name, with the typedef as the comment right above it.
    source = (PYTHON_DIR / "recraft" / "_ffi.py").read_text()
    text = header_text()
    for name, shape in typedefs(text).items():
        declared = getattr(_ffi, name, None)
        assert declared is not None, f"{name}: no CFUNCTYPE of that name in _ffi.py"
        assert problems_with(declared, shape, name) == []
        line = re.search(rf"^typedef [^;]*\(\*{name}\)[^;]*;$", text, re.M)
        comment = re.search(rf"^# (typedef .*;)\n{name} = CFUNCTYPE\(", source, re.M)
        assert line and comment, f"{name}: the typedef belongs in the comment right above its CFUNCTYPE"
        assert comment.group(1) == line.group(0)


def test_the_parser_reads_a_callback_typedef_like_the_inline_form() -> None:
    inline = "extern recraft_status recraft_job_on_complete(recraft_job *job, " \
             "void (*callback)(void *, recraft_state, void *), void *user_data);\n"
    typedef = ("/// Called once when a job ends.\n"
               "typedef void (*recraft_job_callback)(recraft_job *job, recraft_state state, void *user_data);\n"
               "extern recraft_status recraft_job_on_complete(recraft_job *job, recraft_job_callback callback, "
               "void *user_data);\n")
    a = header_prototypes(inline)["recraft_job_on_complete"]
    b = header_prototypes(typedef)["recraft_job_on_complete"]
    assert canonical(a) == canonical(b)
    assert a.params[1] == Param(FnPtr("void", ("void*", "recraft_state", "void*")), "callback")
    assert b.params[1] == Param(FnPtr("void", ("recraft_job*", "recraft_state", "void*")), "callback")
    declared = _ffi.DECLARATIONS["recraft_job_on_complete"][1][1]
    assert problems_with(declared, a.params[1].type, "inline") == []
    assert problems_with(declared, b.params[1].type, "typedef") == []
    # And it still catches a real difference.
    wrong = FnPtr("void", ("void*", "int64_t", "void*"))
    assert problems_with(declared, wrong, "wrong") != []


def test_handles_are_distinct_structure_types() -> None:
    assert issubclass(_ffi.recraft_client, ctypes.Structure)
    assert issubclass(_ffi.recraft_job, ctypes.Structure)
    assert _ffi.recraft_client is not _ffi.recraft_job


def test_declarations_resolve_in_the_library() -> None:
    for name in _ffi.DECLARATIONS:
        function = getattr(_ffi.lib, name)
        assert function.argtypes == _ffi.DECLARATIONS[name][1]


def test_the_gil_is_released_around_every_call() -> None:
    # ctypes.CDLL releases the GIL for each call; PyDLL and PYFUNCTYPE would hold it.
    from recraft import _lib

    assert type(_lib.load()) is ctypes.CDLL
    for path in (PYTHON_DIR / "recraft").glob("*.py"):
        used = re.findall(r"\b(PyDLL|pydll|pythonapi|PYFUNCTYPE)\s*[.(]", path.read_text())
        assert not used, f"{path.name} uses {used}"


def test_version_macros_match_the_library() -> None:
    text = header_text()
    parts = [re.search(rf"#define RECRAFT_VERSION_{p} (\d+)", text) for p in ("MAJOR", "MINOR", "PATCH")]
    assert all(parts)
    header_version = ".".join(m.group(1) for m in parts if m)
    import recraft

    assert recraft.library_version() == header_version
    assert _ffi.ABI_MAJOR == int(header_version.split(".")[0])
