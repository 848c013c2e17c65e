"""Credits: the balance, the credits a job consumed, and the CLI's cost check, against
sandboxes started with --credits and --result-ttl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, SAMPLE, Sandbox

import recraft

CLI = Path(os.environ.get("RECRAFT_CLI", ROOT / ".build" / "debug" / "recraft-cli"))


@pytest.fixture
def funded() -> Iterator[Sandbox]:
    """A sandbox whose account holds 1 credit: two crisp upscales (0.5 each), no third."""
    server = Sandbox("--credits", "1", "--delay", "50")
    yield server
    server.stop()


def test_credits_reads_the_balance(funded: Sandbox) -> None:
    with recraft.Client("kie", base_url=funded.url, upload_url=funded.url, api_key="k",
                        allow_insecure_http=True) as client:
        assert client.credits() == 1.0
    with recraft.Client("recraft", base_url=funded.url + "/v1", api_key="k", allow_insecure_http=True) as client:
        assert client.credits() == 1.0


def test_credits_unsupported_without_a_balance_endpoint(funded: Sandbox) -> None:
    with recraft.Client("recraft-mirror", base_url=funded.url, api_key="k", allow_insecure_http=True) as client:
        with pytest.raises(recraft.UnsupportedError):
            client.credits()


def test_job_carries_the_credits_it_consumed(client: recraft.Client) -> None:
    with client.submit("crisp_upscale", str(SAMPLE)) as job:
        job.wait(timeout=120)
        assert job.credits_consumed == 0.5
        assert job.to_dict()["credits_consumed"] == 0.5


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def test_max_credits_refuses_with_nothing_sent(funded: Sandbox, tmp_path: Path) -> None:
    inputs = [shutil.copy(SAMPLE, tmp_path / f"in{i}.png") for i in range(3)]
    before = funded.stats()
    over_n = run_cli("crisp-upscale", *map(str, inputs), "--provider", "sandbox", "--base-url", funded.url,
                     "--max-credits", "1", "--no-journal")
    assert over_n.returncode == 64, over_n.stderr
    assert "nothing was sent" in over_n.stderr
    over_balance = run_cli("crisp-upscale", *map(str, inputs), "--provider", "sandbox", "--base-url", funded.url,
                           "--max-credits", "10", "--no-journal")
    assert over_balance.returncode == 3, over_balance.stderr
    assert "balance is 1" in over_balance.stderr
    after = funded.stats()
    assert after["tasksCreated"] == before["tasksCreated"] and after["uploads"] == before["uploads"]


def test_402_mid_batch_keeps_what_was_saved(funded: Sandbox, tmp_path: Path) -> None:
    inputs = [shutil.copy(SAMPLE, tmp_path / f"in{i}.png") for i in range(3)]
    done = run_cli("crisp-upscale", *map(str, inputs), "--provider", "sandbox", "--base-url", funded.url,
                   "--concurrency", "1", "--yes", "--json", "--no-journal")
    assert done.returncode == 3, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    saved = [line for line in lines if line["state"] == "succeeded"]
    failed = [line for line in lines if line["state"] == "failed"]
    assert len(saved) == 2 and all(Path(line["output"]).is_file() for line in saved)
    assert all(line["credits_consumed"] == 0.5 for line in saved)
    assert failed and failed[0]["error"]["name"] == "insufficient_credits"
    assert "top up" in done.stderr or "credits" in done.stderr


def test_credits_command(funded: Sandbox) -> None:
    shown = run_cli("credits", "--provider", "sandbox", "--base-url", funded.url, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"provider": "sandbox", "balance": 1, "unit": "credits"}
    mirror = run_cli("credits", "--provider", "recraft-mirror", "--base-url", funded.url, "--api-key", "k")
    assert mirror.returncode == 64, mirror.stderr
