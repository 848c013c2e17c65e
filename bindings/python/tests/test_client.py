"""Client: configuration, submit and open_job errors, authentication, closing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import recraft
from conftest import GOOD_KEY, SAMPLE, Sandbox


def test_context_manager_and_idempotent_close(sandbox: Sandbox) -> None:
    with recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="k") as client:
        assert not client.closed
    assert client.closed
    client.close()
    client.close()
    assert "closed" in repr(client)


def test_use_after_close_raises_a_clear_error(sandbox: Sandbox) -> None:
    client = recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="k")
    client.close()
    with pytest.raises(recraft.InvalidArgumentError, match="Client is closed"):
        client.submit("crisp_upscale", SAMPLE)
    with pytest.raises(ValueError, match="closed"):
        client.open_job("crisp_upscale", "task-1")
    with pytest.raises(ValueError, match="closed"):
        with client:
            pass


@pytest.mark.parametrize("config,message", [
    ({"provider": "no-such-provider"}, "unknown provider"),
    ({"provider": "sandbox", "apiKey": "k"}, "apiKey"),
    ({"provider": "sandbox", "base_url": "http://127.0.0.1:9", "timeout_ms": "soon"}, "timeout_ms"),
    ({"provider": "sandbox", "base_url": "http://127.0.0.1:9", "max_retries": 1000}, "max_retries"),
    ({"provider": "sandbox"}, "base_url"),
])
def test_bad_configuration_is_a_config_error(config: dict[str, Any], message: str) -> None:
    with pytest.raises(recraft.ConfigError, match=message) as info:
        recraft.Client(**config)
    assert info.value.code == 2


def test_unknown_operation_is_invalid_argument(client: Any) -> None:
    with pytest.raises(recraft.InvalidArgumentError, match="teleport") as info:
        client.submit("teleport", SAMPLE)
    assert info.value.code == 1


def test_operation_the_provider_lacks_is_unsupported(sandbox: Sandbox) -> None:
    before = sandbox.stats()["tasksCreated"]
    with recraft.Client("kie", api_key="k", base_url=sandbox.url) as kie:  # kie sells no vectorize
        with pytest.raises(recraft.UnsupportedError, match="presets that do"):
            kie.submit("vectorize", SAMPLE)
    assert sandbox.stats()["tasksCreated"] == before  # nothing was sent


def test_the_sandbox_offers_what_the_cli_offers_for_it(client: Any, tmp_path: Path) -> None:
    # `recraft vectorize --provider sandbox` works: the sandbox serves every dialect, and an
    # operation its own preset lacks goes to the one that has it (the catalog says which).
    from recraft._catalog import catalog, sandbox_route

    for entry in catalog()["operations"]:
        preset, _ = sandbox_route(entry["name"])
        assert preset in entry["presets"], entry["name"]
    vector = client.vectorize(SAMPLE, tmp_path / "v.svg")
    assert b"<svg" in Path(vector.path or "").read_bytes()[:4096]
    assert client.creative_upscale(SAMPLE).read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.clarity_upscale(SAMPLE).read()


def test_missing_input_file_is_invalid_input(client: Any, tmp_path: Any) -> None:
    with pytest.raises(recraft.InvalidInputError):
        client.submit("crisp_upscale", tmp_path / "missing.png")


def test_invalid_utf8_is_invalid_argument(client: Any) -> None:
    # A lone surrogate encodes to bytes that are not UTF-8; the library refuses them.
    with pytest.raises(recraft.InvalidArgumentError):
        client.open_job("crisp_upscale", "task-\udcff")


def test_open_job_needs_an_id(client: Any) -> None:
    with pytest.raises(recraft.InvalidArgumentError):
        client.open_job("crisp_upscale", "")
    with pytest.raises(recraft.InvalidArgumentError, match="teleport"):
        client.open_job("teleport", "task-1")


def test_open_job_reattaches_to_a_task(client: Any, tmp_path: Any) -> None:
    with client.submit("crisp_upscale", SAMPLE) as job:
        assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
        task_id = job.id
    assert task_id
    with client.open_job("crisp_upscale", task_id) as again:
        assert again.wait(timeout=30) is recraft.JobState.SUCCEEDED
        assert again.id == task_id
        assert again.download(tmp_path / "again.png") == str(tmp_path / "again.png")


def test_wrong_api_key_is_authentication_error(keyed_sandbox: Sandbox) -> None:
    with recraft.Client(provider="sandbox", base_url=keyed_sandbox.url, api_key="wrong-key",
                        poll_initial_ms=20) as client:
        with pytest.raises(recraft.AuthenticationError) as info:
            with client.submit("crisp_upscale", SAMPLE) as job:
                job.wait(timeout=30)
    assert info.value.code == 5
    assert "wrong-key" not in info.value.message  # the key is never echoed


def test_right_api_key_works(keyed_sandbox: Sandbox) -> None:
    with recraft.Client(provider="sandbox", base_url=keyed_sandbox.url, api_key=GOOD_KEY, poll_initial_ms=20) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED


# --------------------------------------------------------------------------- journal


def test_journal_lists_submitted_jobs(sandbox: Sandbox, tmp_path: Any) -> None:
    journal = tmp_path / "journal.jsonl"
    with recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="k", poll_initial_ms=20,
                        journal_path=str(journal)) as client:
        with client.submit("crisp_upscale", SAMPLE) as job:
            job.wait(timeout=30)
            task_id = job.id
        listing = client.journal()
    assert listing["problems"] == []
    entries = [e for e in listing["entries"] if e.get("task_id") == task_id]
    assert len(entries) == 1, listing
    assert entries[0]["status"] == "succeeded" and entries[0]["operation"] == "crisp_upscale"


def test_without_a_journal_path_the_ledger_and_the_default_journal_are_read(client: Any) -> None:
    from recraft._journal import default_journal_path, state_folder

    # The shared store's ledger (every process's jobs on the account), and the journal
    # batches keep beside it in the per-user state folder; a job in both is listed once.
    assert client.journal() == {"entries": [], "problems": []}
    with client.submit("crisp_upscale", str(SAMPLE)) as job:
        job.wait(timeout=30)
        task_id = job.id
    listing = client.journal()
    assert [(e["task_id"], e["status"]) for e in listing["entries"]] == [(task_id, "succeeded")], listing
    items = client.batch("crisp_upscale", [str(SAMPLE)], progress=False)
    assert items[0].ok and os.path.exists(default_journal_path())
    assert oct(os.stat(state_folder()).st_mode & 0o777) == "0o700"
    listing = client.journal()
    assert len(listing["entries"]) == 2 and listing["problems"] == [], listing
    assert len({e["ref"] for e in listing["entries"]}) == 2


# --------------------------------------------------------------------------- callbacks


class CallbackReceiver:
    """A loopback HTTP server that records the POSTs the sandbox sends to callback_url."""

    def __init__(self) -> None:
        import http.server
        import threading

        received: list[tuple[bytes, dict[str, str]]] = []
        arrived = threading.Event()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append((body, dict(self.headers.items())))
                arrived.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.arrived = arrived
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/recraft-callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Any:
    server = CallbackReceiver()
    yield server
    server.close()


def test_signed_callback_is_verified_and_decoded(sandbox: Sandbox, receiver: CallbackReceiver) -> None:
    from conftest import WEBHOOK_SECRET

    with recraft.Client(provider="sandbox", base_url=sandbox.url, api_key="k", webhook_secret=WEBHOOK_SECRET) as client:
        with client.submit("crisp_upscale", SAMPLE, callback_url=receiver.url) as job:
            assert receiver.arrived.wait(30), "the sandbox sent no callback"
            body, headers = receiver.received[0]
            outcome = client.handle_callback(body, headers)
            assert outcome["task_id"] == job.id
            assert outcome["state"] == "succeeded" and len(outcome["results"]) >= 1
            # The job is complete without another poll.
            assert job.wait(timeout=5) is recraft.JobState.SUCCEEDED
            assert client.handle_callback(body, headers) == outcome  # idempotent

            forged = {k: v for k, v in headers.items() if k.lower() != "x-webhook-signature"}
            forged["X-Webhook-Signature"] = "AAAA" + headers.get("X-Webhook-Signature", "")[4:]
            with pytest.raises(recraft.AuthenticationError, match="signature"):
                client.handle_callback(body, forged)
            with pytest.raises(recraft.AuthenticationError):
                client.handle_callback(body)  # unsigned, while webhook_secret is set


def test_malformed_callbacks_are_invalid_argument(client: Any) -> None:
    with pytest.raises(recraft.InvalidArgumentError):
        client.handle_callback("{not json")
    with pytest.raises(recraft.InvalidArgumentError, match="task"):
        client.handle_callback("{}")
    with pytest.raises(recraft.InvalidArgumentError):
        client.handle_callback(b'{"data": {"taskId": "t\xff"}}')


# --------------------------------------------------------------------------- configuration in Python terms


def test_provider_is_positional_and_times_are_seconds(sandbox: Sandbox) -> None:
    with recraft.Client("sandbox", api_key="k", base_url=sandbox.url, timeout=30, connect_timeout=2.5,
                        stall_timeout=10, job_timeout=60, max_retries=1) as client:
        assert repr(client) == "<recraft.Client sandbox>"
        with client.submit("crisp_upscale", SAMPLE) as job:
            assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED


@pytest.mark.parametrize("kwargs,message", [
    ({"timeout": 5, "timeout_ms": 5000}, "not both"),
    ({"timeout": -1}, "seconds"),
    ({"job_timeout": "soon"}, "seconds"),
    ({"connect_timeout": float("nan")}, "seconds"),
    ({"webhook_secret": object()}, "JSON"),
])
def test_bad_python_configuration_is_a_config_error(sandbox: Sandbox, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(recraft.ConfigError, match=message):
        recraft.Client("sandbox", base_url=sandbox.url, **kwargs)


def test_submit_checks_its_arguments(client: Any) -> None:
    with pytest.raises(recraft.InvalidArgumentError, match="image"):
        client.submit("crisp_upscale", 42)
    with pytest.raises(recraft.InvalidArgumentError, match="JSON"):
        client.submit("crisp_upscale", SAMPLE, scale=object())
    with pytest.raises(recraft.UnsupportedError):
        client.submit("crisp_upscale", SAMPLE, no_such_option=1)


def test_async_with_closes_the_client(sandbox: Sandbox) -> None:
    import asyncio

    async def main() -> Any:
        async with recraft.Client("sandbox", base_url=sandbox.url, api_key="k") as client:
            assert not client.closed
        return client

    assert asyncio.run(main()).closed


# --------------------------------------------------------------------------- one-call helpers


def test_crisp_upscale_to_a_file_and_into_a_directory(client: Any, tmp_path: Any) -> None:
    from conftest import png_size

    result = client.crisp_upscale(SAMPLE, output=tmp_path / "out.png")
    assert isinstance(result, recraft.Result)
    assert result.path == str(tmp_path / "out.png") and result.files == [result.path]
    assert result.operation == "crisp_upscale" and result.id and result.urls[0].startswith("http")
    assert png_size(result.path)[0] >= 512
    named = client.crisp_upscale(str(SAMPLE), tmp_path)
    assert named.path == str(tmp_path / "sample.crisp-upscale.png")  # named after the input, as the CLI does
    bare = client.crisp_upscale(SAMPLE)
    assert bare.files == [] and bare.path is None and bare.urls


def test_remove_background_helper(client: Any, tmp_path: Any) -> None:
    from conftest import png_size

    result = client.remove_background(SAMPLE, tmp_path)
    assert result.path == str(tmp_path / "sample.remove-background.png")
    assert png_size(result.path) == png_size(SAMPLE)


def test_helpers_for_operations_of_recraft_providers(sandbox: Sandbox, tmp_path: Any) -> None:
    from conftest import png_size

    with recraft.Client("recraft", api_key="k", base_url=sandbox.url + "/v1") as client:
        vector = client.vectorize(SAMPLE, tmp_path)
        assert vector.path == str(tmp_path / "sample.vectorize.svg")
        assert b"<svg" in open(vector.path, "rb").read(4096)
        creative = client.creative_upscale(SAMPLE, tmp_path / "creative.png")
        assert creative.path and png_size(creative.path)[0] > png_size(SAMPLE)[0]
        # A synchronous provider keeps no task: there is nothing to reopen.
        with pytest.raises(recraft.UnsupportedError, match="synchronous"):
            client.open_job("crisp_upscale", creative.id or "x")
    with recraft.Client("recraft-mirror", api_key="k", base_url=sandbox.url) as client:
        clarity = client.clarity_upscale(SAMPLE, tmp_path / "clarity.png")
        assert clarity.path and os.path.getsize(clarity.path) > 0


def test_helpers_raise_what_the_job_raises(client: Any, sandbox: Sandbox, slow_sandbox: Sandbox) -> None:
    with recraft.Client("kie", api_key="k", base_url=sandbox.url) as kie:
        with pytest.raises(recraft.UnsupportedError, match="vectorize"):
            kie.vectorize(SAMPLE)
        with pytest.raises(recraft.UnsupportedError):
            kie.creative_upscale(SAMPLE)
    with pytest.raises(recraft.JobFailedError):
        client.crisp_upscale(sandbox.url + "/files/no-such-input.png")
    with recraft.Client("sandbox", base_url=slow_sandbox.url, api_key="k") as slow:
        with pytest.raises(recraft.RecraftTimeoutError, match="cancelled locally; task .* can be reopened"):
            slow.crisp_upscale(SAMPLE, timeout=0.3)


def test_run_reports_states(client: Any) -> None:
    seen: list[Any] = []
    result = client.run("crisp_upscale", SAMPLE, on_change=seen.append)
    assert seen[-1] is recraft.JobState.SUCCEEDED and result.urls


# --------------------------------------------------------------------------- resume after a crash

CRASHING_PROGRAM = """
import os, sys, time
sys.path.insert(0, {package!r})
import recraft
client = recraft.Client("sandbox", base_url={url!r}, api_key="k", journal_path={journal!r})
job = client.submit("crisp_upscale", {image!r})
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    if job.id and job.id in open({journal!r}).read():
        print(job.id, flush=True)
        os._exit(0)   # a crash: no close, no journal end
    time.sleep(0.01)
os._exit(1)
"""


def test_resume_reopens_what_a_crash_left_in_flight(sandbox: Sandbox, tmp_path: Any) -> None:
    import subprocess
    import sys

    from conftest import PYTHON_DIR

    journal = tmp_path / "journal.jsonl"
    program = CRASHING_PROGRAM.format(package=str(PYTHON_DIR), url=sandbox.url, journal=str(journal),
                                      image=str(SAMPLE))
    crashed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert crashed.returncode == 0, crashed.stderr
    task_id = crashed.stdout.strip()
    with recraft.Client("sandbox", base_url=sandbox.url, api_key="k", journal_path=journal,
                        poll_initial_ms=50) as client:
        entries = client.journal()["entries"]
        assert [(e["status"], e["task_id"]) for e in entries] == [("in_flight", task_id)]
        jobs = client.resume()
        assert [job.id for job in jobs] == [task_id]
        with jobs[0] as job:
            assert job.wait(timeout=30) is recraft.JobState.SUCCEEDED
            assert job.download(tmp_path / "collected.png")
        assert [e["status"] for e in client.journal()["entries"]] == ["succeeded"]
        assert client.resume() == []  # collected: nothing left to reopen
    with recraft.Client("sandbox", base_url=sandbox.url, api_key="k") as no_journal:
        assert no_journal.resume() == []  # the default journal (tests: under a temporary XDG_STATE_HOME)


def test_client_methods_after_close(sandbox: Sandbox, tmp_path: Any) -> None:
    import asyncio

    client = recraft.Client("sandbox", base_url=sandbox.url, api_key="k")
    client.close()
    for use in (lambda: client.crisp_upscale(SAMPLE), lambda: client.run("crisp_upscale", SAMPLE),
                client.journal, client.resume, lambda: client.handle_callback("{}"),
                lambda: client.batch("crisp_upscale", [SAMPLE]),
                lambda: asyncio.run(client.batch_async("crisp_upscale", [SAMPLE])),
                lambda: asyncio.run(client.crisp_upscale_async(SAMPLE)),
                lambda: asyncio.run(client.submit_async("crisp_upscale", SAMPLE))):
        with pytest.raises(recraft.InvalidArgumentError, match="Client is closed"):
            use()
