"""The package against the library's catalog (``recraft_catalog_json``): a helper on
Client for every operation and none for an operation that does not exist, an exception
class for every status code of the header and the catalog, and the output names the
library gives (``recraft_output_stem``, ``recraft_job_file_name``)."""

from __future__ import annotations

import ctypes
import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

import recraft
from recraft import errors
from recraft._ffi import encode, lib, take_string
from recraft._output import output_stem
from recraft.errors import _check
from test_ffi import HEADER


def catalog() -> dict[str, Any]:
    out = ctypes.c_void_p()
    _check(lib.recraft_catalog_json(ctypes.byref(out)))
    value: dict[str, Any] = json.loads(take_string(out.value) or "{}")
    return value


def helpers() -> dict[str, str]:
    """Client's one-call helpers: method name -> the operation it runs
    (``return self.run("crisp_upscale", ...)`` / ``await self.run_async(...)``)."""
    found = {}
    for name, method in inspect.getmembers(recraft.Client, inspect.isfunction):
        match = re.search(r'return (?:await )?self\.run(?:_async)?\("(\w+)"', inspect.getsource(method))
        if match:
            found[name] = match.group(1)
    return found


def test_every_operation_has_a_helper_and_every_helper_an_operation() -> None:
    operations = [entry["name"] for entry in catalog()["operations"]]
    assert operations, "the catalog lists no operations"
    expected = {name: name for name in operations} | {f"{name}_async": name for name in operations}
    assert helpers() == expected


def test_helpers_take_the_same_arguments() -> None:
    # Each helper is run() for one operation:
    # (image, output=None, *, timeout=None, overwrite=False, **options).
    for name in helpers():
        parameters = list(inspect.signature(getattr(recraft.Client, name)).parameters.values())
        assert [p.name for p in parameters] == ["self", "image", "output", "timeout", "overwrite", "options"], name
        assert parameters[3].kind is inspect.Parameter.KEYWORD_ONLY and parameters[4].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[5].kind is inspect.Parameter.VAR_KEYWORD


def header_codes() -> dict[str, int]:
    return {name: int(value) for name, value in
            re.findall(r"^\s+(RECRAFT_(?:OK|ERR_\w+)) = (\d+)", HEADER.read_text(), re.M)}


def test_status_codes_agree_with_the_header() -> None:
    codes = catalog()["status_codes"]
    assert {entry["constant"]: entry["code"] for entry in codes} == header_codes()
    assert [entry["code"] for entry in codes] == list(range(len(codes)))
    for entry in codes:
        assert (lib.recraft_status_name(entry["code"]) or b"").decode() == entry["description"]


def test_every_status_code_has_its_exception_class() -> None:
    by_code = errors._BY_CODE
    codes = {value for name, value in header_codes().items() if name != "RECRAFT_OK"}
    assert set(by_code) == codes, "errors.py's classes against include/recraft.h's RECRAFT_ERR_*"
    classes = [cls for cls in vars(errors).values()
               if isinstance(cls, type) and issubclass(cls, errors.RecraftError) and cls is not errors.RecraftError]
    assert sorted(cls.CODE or 0 for cls in classes) == sorted(codes), "one class per code, none without"
    for cls in classes:
        assert cls.__name__ in recraft.__all__, f"{cls.__name__} is not exported"


@pytest.mark.parametrize("image,operation,stem", [
    ("photo.png", "crisp_upscale", "photo.crisp-upscale"),
    ("/a/b/cat.jpeg", "remove_background", "cat.remove-background"),
    ("https://host/x/dog.webp?sig=1", "vectorize", "dog.vectorize"),
    ("https://host/", "clarity_upscale", "image.clarity-upscale"),
    ("pic.png", "generative_upscale", "pic.creative-upscale"),
])
def test_output_stems_are_the_librarys(image: str, operation: str, stem: str) -> None:
    assert output_stem(image, operation) == stem


def test_an_unknown_operation_has_no_stem() -> None:
    with pytest.raises(recraft.InvalidArgumentError):
        output_stem("photo.png", "crisp-upscale")


def test_file_names_are_the_librarys(client: Any, tmp_path: Path) -> None:
    from conftest import SAMPLE

    with client.submit("crisp_upscale", str(SAMPLE)) as job:
        job.wait(60)
        name = job.file_name()
        assert name == "sample.crisp-upscale.png"
        assert job.file_name(1) == "sample.crisp-upscale-1.png"
        assert job.file_name(0, stem="photo.crisp-upscale") == "photo.crisp-upscale.png"
        assert job.file_name(5, stem="later") == "later.png"
        out = ctypes.c_void_p()
        with job._use() as handle:
            _check(lib.recraft_job_file_name(handle, 0, encode("x", "stem"), ctypes.byref(out)))
        assert take_string(out.value) == "x.png"
        saved = job.download(tmp_path)
        assert Path(saved).name == name
        with pytest.raises(recraft.NotReadyError):
            job.file_name(-1)


def test_sandbox_routes_are_the_clis() -> None:
    # Client("sandbox") routes an operation as `recraft --provider sandbox` does
    # (Endpoint.sandboxRoutes); the catalog does not carry the routes yet.
    from conftest import ROOT
    from recraft._catalog import SANDBOX_ROUTES

    source = (ROOT / "Sources" / "RecraftCLI" / "ClientPool.swift").read_text()
    routes = re.search(r"sandboxRoutes: \[\(preset: Preset, path: String\)\] = \[(.*?)\]\n", source)
    assert routes, "sandboxRoutes not found in ClientPool.swift"
    swift = re.findall(r'\(\.(\w+), "([^"]*)"\)', routes.group(1))
    camel = {"sandbox": "sandbox", "recraft": "recraft", "recraftMirror": "recraft-mirror"}
    assert [(camel[name], path) for name, path in swift] == list(SANDBOX_ROUTES)
