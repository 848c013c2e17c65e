"""What ``Client.submit`` takes as the image: a path (str or ``os.PathLike``), an http(s)
URL, bytes (``bytes``, ``bytearray``, ``memoryview``) or a binary file object
(``open(..., "rb")``, ``io.BytesIO``).

The library takes a path or a URL. Bytes and file objects are spooled to a private
temporary file (``mkstemp``: mode 0600, in the temporary folder) for the duration of
``recraft_submit``, in ``spooled`` alone, so that an input-from-memory call in the C API
can replace it in one place.

When the file may go: ``recraft_submit`` opens and checks the input on the calling thread
(``Client.checked`` → ``InputCheck.check`` → ``InputFile.open``) and keeps that descriptor
until the job's submit is over; every byte uploaded or sent in a multipart body is read
through it with ``pread``, never by reopening the path (``InputFile.swift``). So the path
can be unlinked as soon as ``recraft_submit`` returns, even while the upload is still to
come. The journal records the spool path as the job's image, which is why a batch keeps
the input's own name in its sidecar (``_journal.py``)."""

from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator, NamedTuple

from .errors import InvalidArgumentError

#: Bytes read from a file object at a time while spooling it.
_CHUNK = 1 << 20
_MAGIC = ((b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"))


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


@contextlib.contextmanager
def spooled(image: Image) -> Iterator[str]:
    """The path or URL to give the library for ``image``: the source itself, or a private
    temporary file holding the bytes, removed when the block ends (see the module's note
    on why that is safe once ``recraft_submit`` has returned)."""
    if image.source is not None:
        yield image.source
        return
    import tempfile

    chunks = _chunks(image.data)
    first = next(chunks, b"")
    head = bytes(memoryview(first)[:16])
    # The suffix only shows in the multipart upload's file name; the library sniffs the bytes.
    suffix = next((ext for magic, ext in _MAGIC if head.startswith(magic)), "")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        suffix = ".webp"
    fd, path = tempfile.mkstemp(prefix="recraft-input-", suffix=suffix)  # 0600, O_EXCL
    try:
        with os.fdopen(fd, "wb") as spool:
            spool.write(first)
            for chunk in chunks:
                spool.write(chunk)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


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
