"""What ``Client.submit`` takes as the image: a path (str or ``os.PathLike``), an http(s)
URL, bytes (``bytes``, ``bytearray``, ``memoryview``) or a binary file object
(``open(..., "rb")``, ``io.BytesIO``).

A path or URL goes to ``recraft_submit``. Bytes and file objects go to
``recraft_submit_memory`` (``prepared`` decides, in one place): the library copies them
into an anonymous memory file (memfd) before it returns, never onto disk, checks them
there and reads every byte it uploads from it. Results are named after the input's
name (``Image.name``: a file object's file name, else ``image``), and the journal and
ledger record the image as ``memory:<first 16 hex digits of the SHA-256>:<name>``; a
batch keeps the input's own name in its sidecar (``_journal.py``)."""

from __future__ import annotations

import hashlib
import os
from typing import Any, Iterator, NamedTuple

from .errors import InvalidArgumentError, InvalidInputError

#: Bytes read from a file object at a time while spooling it.
_CHUNK = 1 << 20


# A NamedTuple, not a dataclass: `dataclasses` imports `inspect` (and `ast`, `dis`,
# `tokenize`), about 5 ms of `import recraft` (bench/ANALYSIS.md, start-up).
class Image(NamedTuple):
    """An input as the bindings see it.

    ``source`` is what was given when it is a path or URL (as a str), else None (bytes or a
    file object). ``name`` is what results are named after: the path or URL, a file
    object's ``name`` when it has one, else ``"image"``."""

    source: str | None
    name: str
    data: Any = None

    @property
    def in_memory(self) -> bool:
        return self.source is None


def is_url(text: str) -> bool:
    lower = text[:8].lower()
    return lower.startswith("https://") or lower.startswith("http://")


def classify(image: object) -> Image:
    """The input, checked for its type (nothing is read yet). Raises InvalidArgumentError
    for anything but a path, URL, bytes-like object or binary file object."""
    if isinstance(image, (str, os.PathLike)):
        path = os.fspath(image)
        if isinstance(path, bytes):
            raise InvalidArgumentError("image must be a str path, not a bytes path; decode it with os.fsdecode")
        return Image(source=path, name=path)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return Image(source=None, name="image", data=image)
    read = getattr(image, "read", None)
    if callable(read):
        if isinstance(getattr(image, "encoding", None), str) or "b" not in str(getattr(image, "mode", "b")):
            raise InvalidArgumentError("image is a text file object: open it in binary mode ('rb')")
        name = getattr(image, "name", None)
        shown = os.path.basename(name) if isinstance(name, str) and name and not name.startswith("<") else "image"
        return Image(source=None, name=shown, data=image)
    raise InvalidArgumentError(f"image must be a path, an http(s) URL, bytes or a binary file object, "
                               f"not {type(image).__name__}")


class Submission(NamedTuple):
    """What ``Client.submit`` gives the library for an input: ``image`` is the request's
    "image" (the path or URL; for bytes, the name results are named after), ``data`` the
    bytes for ``recraft_submit_memory`` (None: ``recraft_submit`` reads ``image``), and
    ``recorded_as`` what the core's journal and ledger record as the image."""

    image: str
    data: bytes | None
    recorded_as: str


def prepared(image: Image) -> Submission:
    """``image`` ready to submit: a path or URL as it is; bytes and file objects read into
    one bytes object (a file object to its end) for ``recraft_submit_memory``, which
    copies them into an anonymous memory file (never onto disk). Raises
    InvalidInputError for no bytes at all."""
    if image.source is not None:
        source = image.source
        return Submission(source, None, source if is_url(source) else os.path.abspath(source))
    data = b"".join(bytes(chunk) for chunk in _chunks(image.data))
    if not data:
        raise InvalidInputError("the image is empty (0 bytes): pass the bytes of a PNG, JPEG or WebP file")
    # The core's JobRequest.recordedImage (Sources/RecraftKit/Job+FileName.swift) is the rule;
    # this is the same text, so a batch's sidecar can find the job in the journal.
    return Submission(image.name, data, f"memory:{hashlib.sha256(data).hexdigest()[:16]}:{image.name}")


def _chunks(data: Any) -> Iterator[Any]:
    """``data`` (bytes-like, or a binary file object read to its end) in pieces."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        yield memoryview(data).cast("B")
        return
    while True:
        chunk = data.read(_CHUNK)
        if not chunk:
            return
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise InvalidArgumentError(f"the image file object gave {type(chunk).__name__}, not bytes: open it in "
                                       "binary mode ('rb')")
        yield chunk
