"""The ``recraft`` logger: records for submits, state changes, waits, downloads and
batches; RECRAFT_LOG=debug without code changes; nothing secret in any record."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

import recraft
from conftest import PYTHON_DIR, SAMPLE, WEBHOOK_SECRET, Sandbox
from recraft import _log

API_KEY = "sk-live-THIS-IS-SECRET-0123456789"


def everything(records: list[logging.LogRecord]) -> str:
    return "\n".join(f"{record.getMessage()} {record.__dict__}" for record in records)


def test_records_for_each_step_and_no_secret(sandbox: Sandbox, tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="recraft")
    with recraft.Client("sandbox", base_url=sandbox.url, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                        poll_initial_ms=20) as client:
        result = client.crisp_upscale(SAMPLE, tmp_path / "out.png")
        client.batch("crisp_upscale", [SAMPLE, tmp_path / "missing.png"], output_dir=tmp_path / "batch",
                     progress=False)
        with pytest.raises(recraft.InvalidInputError):
            client.submit("crisp_upscale", tmp_path / "missing.png")
    events = {getattr(record, "recraft_event", None) for record in caplog.records}
    assert {"submit", "state", "wait", "download", "batch"} <= events, events
    states = [r.recraft_state for r in caplog.records if getattr(r, "recraft_event", None) == "state"]
    assert "succeeded" in states
    durations = [r.recraft_duration for r in caplog.records if getattr(r, "recraft_event", None) == "download"]
    assert durations and all(d >= 0 for d in durations)
    text = everything(caplog.records)
    assert API_KEY not in text and WEBHOOK_SECRET not in text
    for url in result.urls:
        if "?" in url:
            assert url.split("?", 1)[1] not in text


def test_redaction_of_what_the_library_will_log(caplog: pytest.LogCaptureFixture) -> None:
    # The hook a C log callback is to call: the same logger tree, the same redaction.
    _log.add_secret(API_KEY)
    caplog.set_level(logging.DEBUG, logger="recraft")
    _log.from_library(3, f"GET https://cdn.example/r/1.png?X-Amz-Signature=abc123&token=zz "
                         f"Authorization: Bearer {API_KEY} x-api-key: other-key-987".encode())
    _log.from_library(99, "an unknown level is debug")
    wire = [r for r in caplog.records if r.name == "recraft.wire"]
    assert len(wire) == 2 and wire[0].levelno == logging.DEBUG
    text = everything(wire)
    for secret in (API_KEY, "abc123", "token=zz", "other-key-987"):
        assert secret not in text
    assert "https://cdn.example/r/1.png?<redacted>" in text
    assert _log.redact("data:image/png;base64," + "A" * 100) == "data:image/png,..."


def test_recraft_log_env_turns_on_a_stderr_handler(sandbox: Sandbox) -> None:
    program = ("import recraft\n"
               f"with recraft.Client('sandbox', base_url={sandbox.url!r}, api_key={API_KEY!r}) as c:\n"
               f"    c.crisp_upscale({str(SAMPLE)!r}).read()\n")
    env = dict(os.environ, RECRAFT_LOG="debug", PYTHONPATH=str(PYTHON_DIR))
    ran = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, env=env)
    assert ran.returncode == 0, ran.stderr
    assert "recraft DEBUG" in ran.stderr and "submit of crisp_upscale" in ran.stderr
    assert "recraft INFO" in ran.stderr and "succeeded" in ran.stderr
    assert API_KEY not in ran.stderr
    quiet = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PYTHONPATH=str(PYTHON_DIR)))
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_no_logging_work_when_nobody_listens(sandbox: Sandbox) -> None:
    # Without a handler configured and without RECRAFT_LOG, logging is not even imported.
    program = ("import sys, recraft\n"
               f"with recraft.Client('sandbox', base_url={sandbox.url!r}, api_key='k') as c:\n"
               f"    c.crisp_upscale({str(SAMPLE)!r})\n"
               "print('logging' in sys.modules, 'asyncio' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "RECRAFT_LOG"} | {"PYTHONPATH": str(PYTHON_DIR)}
    ran = subprocess.run([sys.executable, "-S", "-c", program], capture_output=True, text=True, timeout=120, env=env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["False", "False"]


def test_the_library_log_reaches_caplog_with_no_secret(sandbox: Sandbox, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    # The core's own lines (each request, each state change) through the C log callback.
    caplog.set_level(logging.DEBUG, logger="recraft")
    with recraft.Client("sandbox", base_url=sandbox.url, api_key=API_KEY, webhook_secret=WEBHOOK_SECRET,
                        poll_initial_ms=20) as client:
        client.crisp_upscale(SAMPLE, tmp_path / "wire.png")
        assert client.crisp_upscale(Path(SAMPLE).read_bytes()).read()[:4] == b"\x89PNG"

    def wire_text() -> str:
        return "\n".join(r.getMessage() for r in caplog.records if r.name == "recraft.wire")

    # Delivered on the library's log thread: wait for the last download's line.
    import time
    deadline = time.monotonic() + 60
    while wire_text().count("download GET") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    text = wire_text()
    assert "submit POST 127.0.0.1:" in text and "-> 200 in " in text, text
    assert "poll GET" in text and "download GET" in text, text
    assert "-> running" in text and "-> succeeded" in text, text
    assert API_KEY not in everything(caplog.records) and WEBHOOK_SECRET not in everything(caplog.records)
    assert "Bearer" not in text
