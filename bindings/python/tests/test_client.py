"""Client: configuration, submit and open_job errors, authentication, closing."""

from __future__ import annotations

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


def test_operation_the_provider_lacks_is_unsupported(client: Any, sandbox: Sandbox) -> None:
    before = sandbox.stats()["tasksCreated"]
    with pytest.raises(recraft.UnsupportedError):
        client.submit("vectorize", SAMPLE)
    assert sandbox.stats()["tasksCreated"] == before  # nothing was sent


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


def test_journal_needs_a_journal_path(client: Any) -> None:
    with pytest.raises(recraft.ConfigError, match="journal_path"):
        client.journal()


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
