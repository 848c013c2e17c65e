"""The ``recraft`` logger: what the bindings see of each job (submit and download calls
with their durations, state changes, waits), and later what the library itself logs.

Nothing is logged until someone listens: ``logging.getLogger("recraft")`` with a level
(``logging.basicConfig(level=logging.DEBUG)``), or ``RECRAFT_LOG=debug`` (also ``info``,
``warning``, ``error``) in the environment, which adds a stderr handler when the first
client is made. ``logging`` itself is imported only then, so ``import recraft`` stays cheap.

Every message passes through ``redact`` first: the API keys and webhook secrets of the
clients made in this process, ``Authorization``/``X-Api-Key`` header values and the query
strings of URLs (signed result URLs carry their token there) never appear.

The library's own log (per-request lines with method, host, path, status and duration;
retries with their reasons and waits; state changes) comes through one process-wide C log
callback (``sync_library_callback``, set when a client is made) to ``from_library``, which
sends it to the child logger ``recraft.wire`` through the same redaction; the records of the bindings carry
``recraft_event`` (``submit``, ``state``, ``wait``, ``download``, ``batch``, ...) and, when
known, ``recraft_task_id``, so handlers can filter on them.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging
    import re

# The levels of the logging module, without importing it.
DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40
LOGGER_NAME = "recraft"
#: The environment variable that turns logging on without code changes.
ENV_SWITCH = "RECRAFT_LOG"
_ENV_LEVELS = {"debug": DEBUG, "info": INFO, "warning": WARNING, "warn": WARNING, "error": ERROR}

_lock = threading.Lock()
_secrets: set[str] = set()
_env_checked = False
_logger: logging.Logger | None = None

#: What ``redact`` removes, compiled at its first call (``re`` and three patterns, not at import).
_PATTERNS = (
    (r"((?:https?|wss?)://[^\s?#\"'<>]*)[?#][^\s\"'<>]*", True),  # a URL's query: signed URLs' tokens
    (r"((?:authorization|x-api-key|api[-_]key|cookie|set-cookie)\s*[:=]\s*)(\"?)[^\r\n\"]*", True),
    (r"data:([\w/+.-]*)[^,\s]*,[A-Za-z0-9+/=%]{16,}", False),
)
_compiled: list[re.Pattern[str]] = []


def add_secret(value: str | None) -> None:
    """Remembers a secret (an API key, a webhook secret) so that no log line shows it.
    Short values (under 4 characters) are ignored: removing them would garble words."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` without secrets, credential headers or URL query strings."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "<redacted>")
    if not _compiled:
        import re

        _compiled[:] = [re.compile(pattern, re.IGNORECASE if folded else 0) for pattern, folded in _PATTERNS]
    url_query, header, data_url = _compiled
    text = header.sub(lambda m: m.group(1) + m.group(2) + "<redacted>", text)
    text = data_url.sub(lambda m: f"data:{m.group(1)},...", text)
    return url_query.sub(lambda m: m.group(1) + "?<redacted>", text)


def logger() -> logging.Logger:
    """``logging.getLogger("recraft")`` (importing logging on first use)."""
    global _logger
    if _logger is None:
        import logging

        log = logging.getLogger(LOGGER_NAME)
        # As the logging HOWTO asks of libraries: with no handler configured, nothing is
        # printed (logging's last-resort handler would print warnings to stderr, only
        # when something else imported logging; the batch's Ctrl-C report twice).
        if not any(isinstance(handler, logging.NullHandler) for handler in log.handlers):
            log.addHandler(logging.NullHandler())
        _logger = log
    return _logger


def configure_from_env() -> None:
    """Once per process: with ``RECRAFT_LOG`` set, a stderr handler at that level on the
    ``recraft`` logger (unless it has a handler already)."""
    global _env_checked
    if _env_checked:
        return
    _env_checked = True
    wanted = os.environ.get(ENV_SWITCH, "").strip().lower()
    if not wanted:
        return
    import logging

    level = _ENV_LEVELS.get(wanted, DEBUG if wanted in ("1", "true", "yes", "on") else None)
    if level is None:
        sys.stderr.write(f"recraft: {ENV_SWITCH}={wanted!r} is not one of debug, info, warning, error; ignored\n")
        return
    log = logger()
    log.setLevel(level)
    if not any(getattr(handler, "_recraft_env", False) for handler in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s recraft %(levelname)s %(message)s"))
        handler._recraft_env = True  # type: ignore[attr-defined]
        log.addHandler(handler)


def enabled(level: int) -> bool:
    """True when a record at ``level`` would be handled; cheap when nobody listens."""
    if _logger is None and "logging" not in sys.modules:
        return False  # nobody can have configured a handler
    return logger().isEnabledFor(level)


def log(level: int, event: str, message: str, *, task_id: str | None = None, **fields: Any) -> None:
    """One record of the bindings, redacted. ``fields`` go into the record as
    ``recraft_<name>`` attributes."""
    if not enabled(level):
        return
    extra = {"recraft_event": event, "recraft_task_id": task_id}
    extra.update({f"recraft_{name}": value for name, value in fields.items()})
    logger().log(level, "%s", redact(message), extra=extra)


#: The library's level for a logging level: the most detailed the listener wants.
_TO_LIBRARY = ((DEBUG, 3), (INFO, 2), (WARNING, 1), (ERROR, 0))
#: The one process-wide trampoline given to recraft_set_log_callback, kept alive here for
#: the life of the process (the library may call it from its log thread at any time), and
#: the library level it was set at (None: not set).
_trampoline: Any = None
_library_level: int | None = None


def sync_library_callback() -> None:
    """Gives the library's log (recraft_set_log_callback) to ``from_library`` at the most
    detailed level the ``recraft.wire`` logger is enabled for, or takes it away when it is
    enabled for none. Called when a client is made; cheap when nothing changed."""
    global _trampoline, _library_level
    wanted = None
    if enabled(ERROR):
        wire = logger().getChild("wire")
        wanted = next((library for level, library in _TO_LIBRARY if wire.isEnabledFor(level)), None)
    with _lock:
        if wanted == _library_level:
            return
        from ._ffi import lib, recraft_log_callback

        if _trampoline is None:
            _trampoline = recraft_log_callback(lambda level, message, _user_data: from_library(level, message or b""))
        if lib.recraft_set_log_callback(wanted if wanted is not None else 0,
                                        _trampoline if wanted is not None else None, None) == 0:
            _library_level = wanted


#: The library's levels (recraft_set_log_callback) -> logging's.
_LIBRARY_LEVELS = {0: ERROR, 1: WARNING, 2: INFO, 3: DEBUG, 4: DEBUG}


def from_library(level: int, message: bytes | str) -> None:
    """What a log callback from librecraft should call, on whatever thread it runs:
    ``level`` 0 error, 1 warning, 2 info, 3 debug (4 trace, logged as debug). Goes to the
    ``recraft.wire`` logger, redacted like everything else. Never raises."""
    try:
        text = message.decode("utf-8", errors="replace") if isinstance(message, bytes) else str(message)
        python_level = _LIBRARY_LEVELS.get(int(level), DEBUG)
        if not enabled(python_level):
            return
        logger().getChild("wire").log(python_level, "%s", redact(text), extra={"recraft_event": "library"})
    except Exception:  # noqa: BLE001 - nothing may unwind into the library's thread
        pass
