#!/usr/bin/env python3
"""Generate include/recraft.h, the shipped C header, from the C exports in Sources/RecraftC.

The Swift compiler prints the `@c` functions and enums of a module into the plain-C part
of the header it generates (SwiftPM writes it to
`<bin>/RecraftC.build/include/RecraftC-Swift.h` on every build of the target). That raw
form carries ~380 lines of Swift preamble that gcc rejects, prints handles as `void *`
and enums as `SWIFT_ENUM`. This script keeps only the declarations and turns them into
plain C:

* handle parameters are typed by name: `client` -> `recraft_client *client`,
  `job` -> `recraft_job *job` (`const recraft_job *` for the const form),
  `client_out` / `job_out` -> `recraft_client **` / `recraft_job **`;
* a function-pointer parameter of a known shape gets its named typedef
  (`void (*callback)(void *, recraft_state, void *)` -> `recraft_job_callback callback`,
  see CALLBACK_TYPES);
* each `@c` enum `recraft_X` becomes `typedef int32_t recraft_X;` plus an anonymous
  enum of `RECRAFT_X_CASE` constants (`RECRAFT_CASE` for `recraft_status`), so the
  type's size is fixed by the ABI rather than by the C compiler;
* Swift's annotations (`SWIFT_EXTERN`, nullability, `SWIFT_WARN_UNUSED_RESULT`, ...)
  are dropped.

Doc comments are taken verbatim from the Swift sources (the compiler re-renders them as
HTML/Doxygen, drops blank lines, reorders parameter lists and turns quotes into
typographic ones); where a declaration cannot be found in the sources the compiler's
comment is used instead. Declarations keep their source order: enums first
(`recraft_status` leading), then functions, file by file.

Usage:
  scripts/gen-header.py                 regenerate include/recraft.h
  scripts/gen-header.py --check         fail if include/recraft.h is not what it would be
  scripts/gen-header.py --raw RAW.h --sources DIR --version-file F --output OUT
                                        transform a given raw header (used by the tests)
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Handle types, by the parameter name that carries them.
HANDLES = {"client": "recraft_client", "job": "recraft_job"}
#: Parameters that are untyped memory on purpose: the caller's pointer, bytes in and out.
RAW_MEMORY = {"user_data", "data", "buffer", "data_out"}


@dataclass(frozen=True)
class CallbackType:
    """A function-pointer type the header declares once, by name, for its parameters."""

    name: str
    typedef: str  # the whole `typedef ...;` line, parameters typed and named
    doc: tuple[str, ...]


#: Function-pointer parameters as the compiler prints them (handles as `void *`, `%s`
#: where the parameter's name goes), and the typedef the header uses instead: a C caller
#: then writes its callback with typed parameters and passes it without a cast.
CALLBACK_TYPES = {
    "void (*%s)(void *, recraft_state, void *)": CallbackType(
        name="recraft_job_callback",
        typedef="typedef void (*recraft_job_callback)(recraft_job *job, recraft_state state, void *user_data);",
        doc=(
            " A job's completion callback, set with recraft_job_on_complete: job is the job it",
            " was set on (borrowed: do not free it in the callback), state its final state",
            " (RECRAFT_STATE_SUCCEEDED, _FAILED or _CANCELLED), user_data the pointer given with",
            " it. Runs on a library thread, one callback at a time: keep it short and hand the",
            " work to your own threads.",
        ),
    ),
    "void (*%s)(int32_t, const char *, void *)": CallbackType(
        name="recraft_log_callback",
        typedef="typedef void (*recraft_log_callback)(int32_t level, const char *message, void *user_data);",
        doc=(
            " The log callback, set with recraft_set_log_callback: level 0 error, 1 warning,",
            " 2 info, 3 debug, 4 trace; message one line, redacted, borrowed for the call only;",
            " user_data the pointer given with it. Runs on the library's log thread, one line",
            " at a time, in order.",
        ),
    ),
    "int32_t (*%s)(void *, int32_t, int64_t, int64_t, void *)": CallbackType(
        name="recraft_progress_callback",
        typedef=("typedef int32_t (*recraft_progress_callback)(recraft_job *job, int32_t direction, int64_t done, "
                 "int64_t total, void *user_data);"),
        doc=(
            " A job's transfer progress callback, set with recraft_job_set_progress_callback:",
            " direction 0 for the input's upload, 1 for a result's download; done and total in",
            " bytes (total 0 while unknown). Return 0 to go on, non-zero to cancel the job. Runs",
            " on the library's transport thread: keep it short and call nothing that blocks.",
        ),
    ),
}

#: Words the compiler adds that plain C has no use for.
DROPPED_TOKENS = (
    "SWIFT_EXTERN",
    "SWIFT_NOEXCEPT",
    "SWIFT_WARN_UNUSED_RESULT",
    "SWIFT_ENUM_TAG",
    "_Nullable_result",
    "_Nullable",
    "_Nonnull",
    "_Null_unspecified",
)


class GenError(Exception):
    pass


# --------------------------------------------------------------------------- raw header


@dataclass
class EnumCase:
    raw_name: str  # recraft_statusErrInvalidArgument
    value: str
    doc: list[str]


@dataclass
class EnumDecl:
    name: str  # recraft_status
    base: str  # int32_t
    doc: list[str]
    cases: list[EnumCase] = field(default_factory=list)


@dataclass
class Param:
    ctype: str  # with `%s` where the name goes, e.g. "const char *%s"
    name: str


@dataclass
class FuncDecl:
    name: str
    ret: str
    params: list[Param]
    doc: list[str]


def plain_c_section(raw: str) -> str:
    """The body of the first `extern "C" {` block: where the compiler prints @c decls."""
    start = re.search(r'#if defined\(__cplusplus\)\nextern "C" \{\n#endif\n', raw)
    if not start:
        raise GenError('raw header: no `extern "C" {` block found (is this a header from -emit-clang-header-path?)')
    end = raw.find('#if defined(__cplusplus)\n} // extern "C"', start.end())
    if end < 0:
        raise GenError('raw header: the `extern "C"` block is not closed')
    return raw[start.end():end]


def parse_raw(raw: str) -> tuple[list[EnumDecl], list[FuncDecl]]:
    enums: list[EnumDecl] = []
    funcs: list[FuncDecl] = []
    lines = plain_c_section(raw).split("\n")
    doc: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        i += 1
        if not line:
            doc = []
            continue
        if line.startswith("///"):
            doc.append(line[3:])
            continue
        m = re.match(r"typedef SWIFT_ENUM\((\w+),\s*(\w+),\s*\w+\)\s*\{$", line)
        if m:
            enum = EnumDecl(name=m.group(2), base=m.group(1), doc=doc)
            doc = []
            case_doc: list[str] = []
            while i < len(lines):
                cl = lines[i].strip()
                i += 1
                if cl.startswith("};"):
                    break
                if cl.startswith("///"):
                    case_doc.append(cl[3:])
                    continue
                cm = re.match(r"(\w+)\s*=\s*([-\w]+),?$", cl)
                if not cm:
                    raise GenError(f"raw header: cannot read enum case line {cl!r} in {enum.name}")
                enum.cases.append(EnumCase(cm.group(1), cm.group(2), case_doc))
                case_doc = []
            else:
                raise GenError(f"raw header: enum {enum.name} is not closed")
            enums.append(enum)
            continue
        if line.startswith("SWIFT_EXTERN"):
            text = line
            while not text.rstrip().endswith(";") and i < len(lines):
                text += " " + lines[i].strip()
                i += 1
            funcs.append(parse_function(text, doc))
            doc = []
            continue
        if line.startswith("#") or line.startswith("//"):
            continue
        raise GenError(f"raw header: unexpected line in the plain-C part: {line!r}")
    return enums, funcs


def strip_annotations(text: str) -> str:
    for token in DROPPED_TOKENS:
        text = re.sub(r"\b" + re.escape(token) + r"\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    # `char const *` -> `const char *` (and `void const *`).
    text = re.sub(r"\b(\w+) const \*", r"const \1 *", text)
    text = re.sub(r"\s*\*\s*", " *", text)
    text = re.sub(r"\* \*", "**", text)
    return text.replace("( ", "(").replace(" )", ")").strip()


def split_params(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def parse_function(text: str, doc: list[str]) -> FuncDecl:
    clean = strip_annotations(text.rstrip().rstrip(";"))
    m = re.match(r"^(.*?)\b(recraft_\w+)\s*\((.*)\)$", clean)
    if not m:
        raise GenError(f"raw header: cannot read the declaration {text!r}")
    ret, name, params_text = m.group(1).strip(), m.group(2), m.group(3).strip()
    params: list[Param] = []
    if params_text and params_text != "void":
        for p in split_params(params_text):
            fp = re.search(r"\(\s*\*\s*(\w+)\s*\)", p)  # a function pointer
            if fp:
                printed = p.replace(fp.group(1), "%s", 1)
                callback = CALLBACK_TYPES.get(printed)
                if callback is None:
                    print(f"gen-header: warning: {name}: the function-pointer parameter {fp.group(1)} has no "
                          f"typedef; add its type {printed!r} to CALLBACK_TYPES", file=sys.stderr)
                params.append(Param(f"{callback.name} %s" if callback else printed, fp.group(1)))
                continue
            pm = re.match(r"^(.*?)\s*\b(\w+)$", p)
            if not pm:
                raise GenError(f"{name}: cannot read the parameter {p!r}")
            params.append(Param(type_with_name(name, pm.group(1), pm.group(2)), pm.group(2)))
    return FuncDecl(name=name, ret=ret, params=params, doc=doc)


def type_with_name(func: str, ctype: str, name: str) -> str:
    """`ctype` and `name` as a declarator, with handles typed by the parameter's name."""
    ctype = ctype.strip()
    # Arrays of job handles: recraft_wait_any's jobs, recraft_client_take_finished's jobs_out.
    if name == "jobs" and ctype == "void *const *":
        return "recraft_job *const *%s"
    if name == "jobs_out" and ctype == "void **":
        return "recraft_job **%s"
    m = re.fullmatch(r"(?:\w+_)?(client|job)(_out)?", name)
    if m and ctype.startswith(("void *", "const void *")):
        handle = HANDLES[m.group(1)]
        if m.group(2):
            if ctype != "void **":
                raise GenError(f"{func}: out-parameter {name} should be UnsafeMutablePointer<OpaquePointer?>?, the compiler printed {ctype!r}")
            return f"{handle} **%s"
        if ctype == "const void *":
            return f"const {handle} *%s"
        if ctype == "void *":
            return f"{handle} *%s"
        raise GenError(f"{func}: handle parameter {name} has the unexpected type {ctype!r}")
    if ctype.startswith(("void *", "const void *")) and name not in RAW_MEMORY:
        print(f"gen-header: warning: {func}: parameter {name} stays {ctype!r}: name it client/job/"
              f"*_out to give it a handle type", file=sys.stderr)
    sep = "" if ctype.endswith("*") else " "
    return f"{ctype}{sep}%s"


# --------------------------------------------------------------------------- Swift sources


@dataclass
class SourceDocs:
    """Doc comments and declaration order read from the Swift sources."""

    funcs: dict[str, list[str]] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)
    cases: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)


FUNC_RE = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+)?func\s+(\w+)")
C_FUNC_NAME_RE = re.compile(r"@c\s*\(\s*(\w+)\s*\)")
ENUM_RE = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public\s+)?enum\s+(\w+)")
CASE_RE = re.compile(r"^\s*case\s+(.*)$")


def read_sources(directory: Path) -> SourceDocs:
    docs = SourceDocs()
    for path in sorted(directory.glob("*.swift")):
        pending_doc: list[str] = []
        attributes = ""
        enum_name: str | None = None
        depth = 0
        enum_depth = 0
        for line in path.read_text(encoding="utf-8").split("\n"):
            stripped = line.strip()
            if stripped.startswith("///"):
                text = stripped[3:]
                pending_doc.append(text)
                continue
            if stripped.startswith("@") and not re.search(r"\b(func|enum)\b", stripped):
                attributes += " " + stripped  # an attribute on its own line
                continue
            header = attributes + " " + stripped
            attributes = ""
            is_c = "@c" in re.sub(r"@c\w", "", header)
            if enum_name is not None and depth == enum_depth + 1:
                cm = CASE_RE.match(stripped)
                if cm:
                    names = [re.match(r"\s*(\w+)", part).group(1) for part in cm.group(1).split(",") if part.strip()]
                    for case in names:
                        docs.cases[(enum_name, case)] = pending_doc  # the compiler does the same
            fm = FUNC_RE.match(header.strip())
            if fm and is_c:
                explicit = C_FUNC_NAME_RE.search(header)
                name = explicit.group(1) if explicit else fm.group(1)
                docs.funcs[name] = pending_doc
                docs.order.append(name)
            em = ENUM_RE.match(header.strip())
            if em and is_c:
                enum_name = em.group(1)
                enum_depth = depth
                docs.enums[enum_name] = pending_doc
                docs.order.append(enum_name)
            pending_doc = []
            depth += line.count("{") - line.count("}")
            if enum_name is not None and depth <= enum_depth:
                enum_name = None
    return docs


# --------------------------------------------------------------------------- output


def snake_upper(camel: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", camel)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.upper()


def swift_case_name(enum: str, raw_case: str) -> str:
    if not raw_case.startswith(enum):
        raise GenError(f"enum {enum}: case {raw_case} does not start with the enum's name")
    rest = raw_case[len(enum):]
    return rest[:1].lower() + rest[1:]


def constant_name(enum: str, swift_case: str) -> str:
    prefix = "RECRAFT_" if enum == "recraft_status" else enum.upper() + "_"
    return prefix + snake_upper(swift_case)


def clean_compiler_doc(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        line = re.sub(r"</?code>", "`", line)
        line = re.sub(r"</?(em|strong|ul|li|p)>", "", line)
        line = line.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
        if line.strip():
            out.append(line.rstrip())
    return out


def render_doc(lines: list[str], indent: str = "") -> list[str]:
    # Trim leading/trailing blank lines; keep the author's blank lines in between.
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return [f"{indent}///{line}".rstrip() if line.strip() else f"{indent}///" for line in lines]


def pick_doc(source: list[str] | None, compiler: list[str], what: str, warnings: list[str]) -> list[str]:
    if source is not None and any(line.strip() for line in source):
        return source
    cleaned = clean_compiler_doc(compiler)
    if not cleaned:
        warnings.append(f"{what} has no doc comment")
    return cleaned


def read_version(path: Path) -> tuple[int, int, int]:
    text = path.read_text(encoding="utf-8")
    parts = []
    for key in ("versionMajor", "versionMinor", "versionPatch"):
        m = re.search(rf"\b{key}\s*(?::\s*Int\s*)?=\s*(\d+)", text)
        if not m:
            raise GenError(f"{path}: no `{key} = N` found")
        parts.append(int(m.group(1)))
    return parts[0], parts[1], parts[2]


PREAMBLE = """\
/*
 * recraft.h: the C API of RecraftKit {version}.
 *
 * GENERATED by scripts/gen-header.py from the @c exports in Sources/RecraftC:
 * do not edit; run `make header`.
 *
 * RecraftKit runs Recraft's image operations (crisp upscale, creative upscale,
 * background removal, vectorize, ...) through the services that sell them, as jobs:
 * create a client for a provider, submit a request, poll or wait, read the result
 * URLs, download them. The work runs in the background on the library's own threads.
 * Build with `pkg-config --cflags --libs recraft` (or -lrecraft); librecraft.so
 * carries its own Swift runtime and needs only libcurl and the C library.
 *
 * Threading: recraft_client and recraft_job handles may be used from any thread, at
 * the same time (several threads may wait on one job). recraft_job_wait and
 * recraft_job_download block the calling thread; no other function waits for the
 * network. Completion callbacks (recraft_job_on_complete) run on one library
 * thread, one at a time, never on the thread that set them: keep them short, and
 * do not free the job a callback is given from inside it. Do not free a handle
 * while another thread may still be using it. The last error (below) is kept per
 * thread.
 *
 * Lifetime: returning from main, exit() or a signal's default action may happen at
 * any moment, with any number of jobs in flight, freed or not: the library's exit
 * handler stops its threads before libcurl's TLS library is torn down, and nothing
 * more is sent or ended after that. No shutdown call is needed. Jobs in flight at
 * exit stay in the journal as they were (in flight with their task id, or
 * uncertain), so `recraft resume` / recraft_job_open collect them later. Exit from
 * inside a completion callback is allowed too.
 *
 * Fork: after fork() a child has none of the parent's threads. A client created
 * before the fork makes itself new connections and a new thread when the child uses
 * it; jobs submitted by the parent cannot be waited on or downloaded in the child
 * (RECRAFT_ERR_UNSUPPORTED: reopen them by id). Once the parent has run jobs, the
 * task threads they used do not survive a fork, and a child's recraft_submit and
 * recraft_job_open fail with RECRAFT_ERR_UNSUPPORTED instead of hanging: create
 * clients and run jobs only in processes that fork no more (workers), or start
 * workers with exec (Python's "spawn" or "forkserver").
 *
 * Ownership, in fixed phrases in every function's comment:
 *   "caller owns; free with recraft_X_free / recraft_string_free": the returned
 *       object or string is yours, release it with that function;
 *   "borrowed; valid until the job is freed": do not free it, copy it to keep it;
 *   "does not take ownership": the argument stays yours; the library copies what it
 *       keeps, so you may free it as soon as the call returns.
 * Every _free function accepts NULL. A job keeps what it needs of its client, so a
 * client may be freed before its jobs. A freed handle passed again is refused with
 * RECRAFT_ERR_INVALID_ARGUMENT (and a second free ignored) only until a new handle
 * reuses its address: do not count on it; set your pointer to NULL after a free.
 * Strings, in and out, are NUL-terminated UTF-8; invalid UTF-8 is refused.
 *
 * Errors: every fallible function returns a recraft_status, RECRAFT_OK (0) or an
 * error code; its outputs, the trailing *_out parameters, are written only on
 * success and left untouched on error. A failing call (and a getter given a NULL or
 * freed handle, which returns NULL, 0 or "") records this thread's last error:
 * recraft_last_error_code() and recraft_last_error_message() (never NULL). Calls that
 * succeed leave it as it was, so read it right after the call that failed.
 * recraft_status_name() names any code. A job that fails is not a failed call:
 * recraft_job_wait returns RECRAFT_OK with RECRAFT_STATE_FAILED, and
 * recraft_job_error_code() / recraft_job_error_message() say why. Codes are
 * append-only and never reused: a newer library may return a code this header does
 * not name, so treat any code other than RECRAFT_OK as an error.
 *
 * Versioning: RECRAFT_VERSION_MAJOR/MINOR/PATCH are this header's version, and
 * RECRAFT_VERSION_AT_LEAST(x, y, z) tests it at compile time (in #if too);
 * recraft_version() is the loaded library's, "MAJOR.MINOR.PATCH", at run time.
 * Within a major version (the soname, librecraft.so.MAJOR) functions, status codes,
 * states and JSON keys are only added, never changed, renumbered or removed, so a
 * program built against an older header runs with a newer library. See docs/ABI.md
 * in the source tree.
 */"""


def render(enums: list[EnumDecl], funcs: list[FuncDecl], docs: SourceDocs, version: tuple[int, int, int]) -> tuple[str, list[str]]:
    warnings: list[str] = []
    rank = {name: n for n, name in enumerate(docs.order)}
    enums = sorted(enums, key=lambda e: (e.name != "recraft_status", rank.get(e.name, len(rank)), e.name))
    funcs = sorted(funcs, key=lambda f: (rank.get(f.name, len(rank)), f.name))
    for name in [e.name for e in enums] + [f.name for f in funcs]:
        if name not in rank:
            warnings.append(f"{name}: not found in the Swift sources; using the compiler's order and doc comment")

    out: list[str] = []
    out.append(PREAMBLE.format(version="%d.%d.%d" % version))
    out.append("")
    out.append("#ifndef RECRAFT_H")
    out.append("#define RECRAFT_H")
    out.append("")
    out.append("#include <stddef.h>")
    out.append("#include <stdint.h>")
    if any(re.search(r"\bbool\b", f.ret + " ".join(p.ctype for p in f.params)) for f in funcs):
        out.append("#include <stdbool.h>")
    out.append("")
    out.append("/* The version of this header. */")
    out.append("#define RECRAFT_VERSION_MAJOR %d" % version[0])
    out.append("#define RECRAFT_VERSION_MINOR %d" % version[1])
    out.append("#define RECRAFT_VERSION_PATCH %d" % version[2])
    out.append("/* True when this header's version is x.y.z or later. */")
    out.append("#define RECRAFT_VERSION_AT_LEAST(x, y, z) \\")
    out.append("    (RECRAFT_VERSION_MAJOR > (x) || \\")
    out.append("     (RECRAFT_VERSION_MAJOR == (x) && \\")
    out.append("      (RECRAFT_VERSION_MINOR > (y) || \\")
    out.append("       (RECRAFT_VERSION_MINOR == (y) && RECRAFT_VERSION_PATCH >= (z)))))")
    out.append("")
    out.append("#ifdef __cplusplus")
    out.append('extern "C" {')
    out.append("#endif")
    out.append("")
    out.append("/* A client: one provider, its configuration and connections. Opaque. */")
    out.append("typedef struct recraft_client recraft_client;")
    out.append("/* A job: one operation at a provider, from submit to result. Opaque. */")
    out.append("typedef struct recraft_job recraft_job;")
    out.append("")

    for enum in enums:
        if enum.base not in ("int32_t", "uint32_t", "int64_t", "uint64_t", "int16_t", "uint16_t", "int8_t", "uint8_t"):
            raise GenError(f"enum {enum.name}: raw type {enum.base} is not fixed-width; declare it `: Int32`")
        out.extend(render_doc(pick_doc(docs.enums.get(enum.name), enum.doc, f"enum {enum.name}", warnings)))
        out.append(f"typedef {enum.base} {enum.name};")
        out.append("enum {")
        for n, case in enumerate(enum.cases):
            swift_case = swift_case_name(enum.name, case.raw_name)
            case_doc = pick_doc(docs.cases.get((enum.name, swift_case)), case.doc, f"{enum.name}.{swift_case}", warnings)
            out.extend(render_doc(case_doc, "    "))
            comma = "," if n < len(enum.cases) - 1 else ""
            out.append(f"    {constant_name(enum.name, swift_case)} = {case.value}{comma}")
        out.append("};")
        out.append("")

    used_callbacks = [c for c in CALLBACK_TYPES.values()
                      if any(p.ctype == f"{c.name} %s" for f in funcs for p in f.params)]
    for callback in used_callbacks:
        out.extend(render_doc(list(callback.doc)))
        out.append(callback.typedef)
        out.append("")

    declared_types = {e.name for e in enums} | {c.name for c in used_callbacks}
    for func in funcs:
        out.extend(render_doc(pick_doc(docs.funcs.get(func.name), func.doc, f"function {func.name}", warnings)))
        ret = func.ret
        sep = "" if ret.endswith("*") else " "
        params = ", ".join(p.ctype % p.name for p in func.params) or "void"
        out.append(f"extern {ret}{sep}{func.name}({params});")
        out.append("")
        for word in re.findall(r"\brecraft_\w+\b", ret + " " + params):
            if word not in declared_types and word not in HANDLES.values():
                raise GenError(f"{func.name}: uses the type {word}, which the header does not declare")

    out.append("#ifdef __cplusplus")
    out.append('} /* extern "C" */')
    out.append("#endif")
    out.append("")
    out.append("#endif /* RECRAFT_H */")
    return "\n".join(out) + "\n", warnings


# --------------------------------------------------------------------------- driver


def build_raw_header(scratch: str) -> Path:
    """Builds the RecraftC target; SwiftPM writes the compiler's header as it compiles."""
    base = ["swift", "build", "--package-path", str(ROOT), "--scratch-path", scratch]
    print(f"gen-header: swift build --target RecraftC --scratch-path {scratch}", file=sys.stderr)
    build = subprocess.run(base + ["--target", "RecraftC"], stdout=sys.stderr, stdin=subprocess.DEVNULL)
    if build.returncode != 0:
        raise GenError("swift build --target RecraftC failed: the C exports do not compile")
    bin_path = subprocess.run(base + ["--show-bin-path"], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if bin_path.returncode != 0:
        raise GenError("swift build --show-bin-path failed: " + bin_path.stderr.strip())
    raw = Path(bin_path.stdout.strip().splitlines()[-1]) / "RecraftC.build" / "include" / "RecraftC-Swift.h"
    if not raw.is_file():
        raise GenError(f"the compiler's header is not at {raw}: has SwiftPM's build layout changed?")
    return raw


def generate(raw_path: Path, sources: Path, version_file: Path) -> str:
    raw = raw_path.read_text(encoding="utf-8")
    enums, funcs = parse_raw(raw)
    if not funcs:
        raise GenError(f"{raw_path}: no @c functions found")
    text, warnings = render(enums, funcs, read_sources(sources), read_version(version_file))
    for w in warnings:
        print(f"gen-header: warning: {w}", file=sys.stderr)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the output file instead of writing it")
    parser.add_argument("--raw", type=Path, help="use this raw compiler header instead of building RecraftC")
    parser.add_argument("--scratch-path", default=os.environ.get("RECRAFT_SCRATCH_PATH", ".build"),
                        help="SwiftPM scratch path for the debug build (default .build)")
    parser.add_argument("--sources", type=Path, default=ROOT / "Sources" / "RecraftC")
    parser.add_argument("--version-file", type=Path, default=ROOT / "Sources" / "RecraftKit" / "RecraftKitVersion.swift")
    parser.add_argument("--output", type=Path, default=ROOT / "include" / "recraft.h")
    args = parser.parse_args(argv)
    try:
        raw = args.raw or build_raw_header(args.scratch_path)
        text = generate(raw, args.sources, args.version_file)
    except (GenError, OSError) as error:
        print(f"gen-header: error: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current == text:
            print(f"gen-header: {args.output} is up to date")
            return 0
        diff = difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                    f"{args.output} (committed)", f"{args.output} (generated)")
        sys.stdout.writelines(diff)
        print(f"gen-header: {args.output} is stale: run `make header` and commit it", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    if not args.output.exists() or args.output.read_text(encoding="utf-8") != text:
        args.output.write_text(text, encoding="utf-8")
        print(f"gen-header: wrote {args.output}")
    else:
        print(f"gen-header: {args.output} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
