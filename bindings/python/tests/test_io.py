"""Inputs and outputs: bytes, file objects and Path in; bytes out; output folders made,
existing files kept; every output problem found before anything is sent; an error after
a paid job succeeded carries the task id and the result URL."""

from __future__ import annotations

import asyncio
import glob
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

import recraft
from conftest import SAMPLE, Sandbox, png_size

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quiet_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own, so that its request counts are this module's."""
    server = Sandbox("--task-duration-ms", "100")
    yield server
    server.stop()


@pytest.fixture
def sb_client(quiet_sandbox: Sandbox) -> Iterator[Any]:
    with recraft.Client("sandbox", base_url=quiet_sandbox.url, api_key="k", poll_initial_ms=20,
                        poll_max_ms=100) as client:
        yield client


def api_requests(server: Sandbox) -> int:
    """Requests the sandbox got, but those asking for its stats."""
    by_path = server.stats()["requestsByPath"]
    return sum(count for path, count in by_path.items() if not path.startswith("/sandbox/"))


def spools() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "recraft-input-*")))


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "file", "BytesIO", "Path"])
def test_every_kind_of_input(sb_client: Any, kind: str, tmp_path: Path) -> None:
    data = SAMPLE.read_bytes()
    before = spools()
    with open(SAMPLE, "rb") as file:
        image: Any = {"bytes": data, "bytearray": bytearray(data), "memoryview": memoryview(data), "file": file,
                      "BytesIO": io.BytesIO(data), "Path": SAMPLE}[kind]
        result = sb_client.crisp_upscale(image)
    assert png_size(_save(result.read(), tmp_path))[0] >= 512
    assert spools() == before  # the private spool file is gone once submitted


def _save(data: bytes, folder: Path) -> Path:
    path = folder / "check.png"
    path.write_bytes(data)
    return path


def test_the_spool_goes_as_soon_as_submit_returns_and_the_upload_still_works(quiet_sandbox: Sandbox) -> None:
    # kie takes URLs only: the input is uploaded in the background, after submit returned
    # and the spool was unlinked; the library reads it through the descriptor it holds.
    before = spools()
    uploads = quiet_sandbox.stats()["uploads"]
    with recraft.Client("kie", api_key="k", base_url=quiet_sandbox.url, upload_url=quiet_sandbox.url,
                        poll_initial_ms=20) as kie:
        with kie.submit("crisp_upscale", SAMPLE.read_bytes()) as job:
            assert spools() == before
            job.wait(timeout=60)
            assert job.read()[:8] == PNG
    assert quiet_sandbox.stats()["uploads"] == uploads + 1


def test_a_file_object_names_the_result(sb_client: Any, tmp_path: Path) -> None:
    with open(SAMPLE, "rb") as file:
        result = sb_client.crisp_upscale(file, f"{tmp_path}/out/")
    assert result.path == str(tmp_path / "out" / "sample.crisp-upscale.png")
    anonymous = sb_client.crisp_upscale(SAMPLE.read_bytes(), f"{tmp_path}/out/")
    assert anonymous.path == str(tmp_path / "out" / "image.crisp-upscale.png")


def test_bad_inputs_are_refused_before_sending(sb_client: Any, quiet_sandbox: Sandbox) -> None:
    before = api_requests(quiet_sandbox)
    with pytest.raises(recraft.InvalidArgumentError, match="binary mode"):
        sb_client.submit("crisp_upscale", io.StringIO("text"))
    with pytest.raises(recraft.InvalidInputError):
        sb_client.submit("crisp_upscale", b"not an image at all")
    assert api_requests(quiet_sandbox) == before


def test_bytes_out(sb_client: Any) -> None:
    result = sb_client.crisp_upscale(SAMPLE)
    assert result.files == [] and result.read()[:8] == PNG
    assert asyncio.run(result.read_async())[:8] == PNG
    with pytest.raises(recraft.NotReadyError):
        result.read(1)  # one result only
    with sb_client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=60)
        assert job.read()[:8] == PNG
        assert asyncio.run(job.read_async())[:8] == PNG

    async def main() -> bytes:
        async_result = await sb_client.crisp_upscale_async(SAMPLE.read_bytes())
        return await async_result.read_async()

    assert asyncio.run(main())[:8] == PNG


def test_an_output_folder_is_created(sb_client: Any, tmp_path: Path) -> None:
    result = sb_client.crisp_upscale(str(SAMPLE), f"{tmp_path}/new/dir/")
    assert result.path == str(tmp_path / "new" / "dir" / "sample.crisp-upscale.png")
    with sb_client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=60)
        saved = job.download(f"{tmp_path}/another/")
        assert saved == str(tmp_path / "another" / "sample.crisp-upscale.png") and png_size(saved)[0] >= 512


def test_a_missing_folder_given_as_a_path_is_not_written_as_a_file(sb_client: Any, tmp_path: Path) -> None:
    with sb_client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=60)
        with pytest.raises(recraft.InvalidArgumentError, match="no extension"):
            job.download(tmp_path / "outdir")
    assert not (tmp_path / "outdir").exists()


def test_no_overwrite_without_overwrite_true(sb_client: Any, quiet_sandbox: Sandbox, tmp_path: Path) -> None:
    existing = tmp_path / "existing.png"
    existing.write_bytes(b"keep me")
    before = api_requests(quiet_sandbox)
    with pytest.raises(recraft.RecraftIOError, match="overwrite=True"):
        sb_client.crisp_upscale(SAMPLE, existing)
    (tmp_path / "sample.crisp-upscale.webp").write_bytes(b"an earlier result")
    with pytest.raises(recraft.RecraftIOError, match="exists"):
        sb_client.crisp_upscale(SAMPLE, tmp_path)  # a result with any extension counts
    assert api_requests(quiet_sandbox) == before and existing.read_bytes() == b"keep me"
    assert sb_client.crisp_upscale(SAMPLE, existing, overwrite=True).path == str(existing)
    assert existing.read_bytes()[:8] == PNG
    with sb_client.submit("crisp_upscale", SAMPLE) as job:
        job.wait(timeout=60)
        with pytest.raises(recraft.RecraftIOError, match="exists"):
            job.download(existing)
        assert job.download(existing, overwrite=True) == str(existing)


@pytest.mark.parametrize("problem", ["missing parent", "no extension", "folder is a file", "input itself",
                                     "unwritable folder"])
def test_output_problems_are_found_before_any_request(quiet_sandbox: Sandbox, tmp_path: Path, problem: str) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_bytes(b"x")
    locked = tmp_path / "locked"
    locked.mkdir()
    input_copy = tmp_path / "input.png"
    input_copy.write_bytes(SAMPLE.read_bytes())
    output: Any = {"missing parent": tmp_path / "missing" / "out.png", "no extension": tmp_path / "outdir",
                   "folder is a file": f"{a_file}/", "input itself": input_copy,
                   "unwritable folder": locked / "out.png"}[problem]
    if problem == "unwritable folder":
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        locked.chmod(0o500)
    fresh = Sandbox("--task-duration-ms", "100")  # its stats are this test's alone
    try:
        with recraft.Client("sandbox", base_url=fresh.url, api_key="k") as client:
            with pytest.raises((recraft.RecraftIOError, recraft.InvalidArgumentError)):
                client.crisp_upscale(input_copy, output)
            with pytest.raises((recraft.RecraftIOError, recraft.InvalidArgumentError)):
                client.batch("crisp_upscale", [input_copy], output_dir=f"{a_file}/", progress=False)
        stats = fresh.stats()
        assert api_requests(fresh) == 0 and stats["tasksCreated"] == 0 and stats["uploads"] == 0, stats
    finally:
        fresh.stop()
        locked.chmod(0o700)


def test_a_failure_after_success_carries_the_task_id_and_url(sb_client: Any, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    original = recraft.Job._download_file

    def full_disk(self: recraft.Job, path: str, index: int) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(recraft.Job, "_download_file", full_disk)
    with pytest.raises(recraft.RecraftIOError) as info:
        sb_client.crisp_upscale(SAMPLE, folder / "photo.png")
    error = info.value
    assert error.task_id and error.result_url and error.result_url.startswith("http")
    assert error.task_id in str(error) and "No space left" in str(error)
    assert error.result_url.split("?")[0] in str(error)
    monkeypatch.setattr(recraft.Job, "_download_file", original)
    # Nothing is lost: the task can be reopened and saved.
    with sb_client.open_job("crisp_upscale", error.task_id) as job:
        job.wait(timeout=60)
        assert png_size(job.download(folder / "photo.png"))[0] >= 512

    # A result that appeared while the job ran is kept, and the error says where the paid one is.
    target = folder / "raced.png"

    def on_change(state: recraft.JobState) -> None:
        if state is recraft.JobState.RUNNING or state.is_terminal:
            if not target.exists():
                target.write_bytes(b"someone else's")

    with pytest.raises(recraft.RecraftIOError, match="appeared") as raced:
        sb_client.run("crisp_upscale", SAMPLE, target, on_change=on_change)
    assert raced.value.task_id and target.read_bytes() == b"someone else's"
