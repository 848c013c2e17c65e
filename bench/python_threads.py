#!/usr/bin/env python3
"""python-threads: the reference a typical Python user writes for a batch of kie Market
(or Recraft) jobs: `requests` and a ThreadPoolExecutor(32), polling every 0.5 s
(Replicate's default), one requests.Session per worker thread. No rate limiting and no
retries: a 429 is a failed job, as it is for such a script.

    python_threads.py throughput BASE_URL N IMAGE_URL OUTDIR   create, poll, download
    python_threads.py limit-kie BASE_URL N IMAGE_URL           create, poll (no download)
    python_threads.py limit-recraft BASE_URL N IMAGE_URL       Recraft's synchronous call
    python_threads.py poll BASE_URL N IMAGE_URL                create, poll; end times

Prints one JSON object on stdout.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

POLL_INTERVAL = 0.5
WORKERS = 32
HEADERS = {"Authorization": "Bearer bench", "User-Agent": "python-threads-bench"}

_local = threading.local()


def session() -> requests.Session:
    if not hasattr(_local, "session"):
        _local.session = requests.Session()
        _local.session.headers.update(HEADERS)
    return _local.session


class Sampler(threading.Thread):
    """Largest thread count seen (/proc/self/status), every 5 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.max_threads = 0

    def run(self) -> None:
        while not self.stop.is_set():
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("Threads:"):
                        self.max_threads = max(self.max_threads, int(line.split()[1]))
            time.sleep(0.005)


def peak_rss_kb() -> int:
    """VmHWM: getrusage's ru_maxrss survives exec and would report the parent's peak."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))


def market_job(base: str, image: str, out_dir: str | None, index: int) -> dict:
    s = session()
    r = s.post(f"{base}/api/v1/jobs/createTask", timeout=60,
               json={"model": "recraft/crisp-upscale", "input": {"image": image}})
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    if r.status_code != 200 or body.get("code") != 200:
        code = body.get("code") or r.status_code
        return {"ok": False, "rejected": code == 429 or r.status_code == 429, "error": f"createTask: {code}"}
    task_id = body["data"]["taskId"]
    polls = 0
    while True:
        time.sleep(POLL_INTERVAL)
        r = s.get(f"{base}/api/v1/jobs/recordInfo", params={"taskId": task_id}, timeout=60)
        polls += 1
        data = r.json().get("data") or {}
        state = data.get("state")
        if state == "success":
            break
        if state == "fail":
            return {"ok": False, "rejected": False, "id": task_id, "polls": polls, "error": data.get("failMsg")}
    end_ms = time.time() * 1000
    if out_dir is not None:
        url = json.loads(data["resultJson"])["resultUrls"][0]
        r = s.get(url, timeout=60)
        r.raise_for_status()
        with open(os.path.join(out_dir, f"{index}.png"), "wb") as f:
            f.write(r.content)
    return {"ok": True, "id": task_id, "polls": polls, "end_ms": end_ms}


def recraft_job(base: str, image: str) -> dict:
    r = session().post(f"{base}/v1/images/crispUpscale", timeout=60,
                       json={"image_url": image, "response_format": "url"})
    if r.status_code != 200:
        return {"ok": False, "rejected": r.status_code == 429, "error": f"HTTP {r.status_code}"}
    return {"ok": True, "id": r.json()["image"]["image_id"], "end_ms": time.time() * 1000}


def main() -> int:
    mode, base, n, image = sys.argv[1], sys.argv[2].rstrip("/"), int(sys.argv[3]), sys.argv[4]
    out_dir = sys.argv[5] if mode == "throughput" else None
    sampler = Sampler()
    sampler.start()
    cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    t0 = time.perf_counter()
    start_ms = time.time() * 1000
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        if mode == "limit-recraft":
            futures = [pool.submit(recraft_job, base, image) for _ in range(n)]
        else:
            futures = [pool.submit(market_job, base, image, out_dir, i) for i in range(n)]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception as error:  # a typical script records the failure and moves on
                results.append({"ok": False, "rejected": False, "error": repr(error)})
    wall = time.perf_counter() - t0
    cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu0
    sampler.stop.set()
    sampler.join()
    errors = [r["error"] for r in results if not r["ok"]]
    print(json.dumps({
        "n": n,
        "ok": sum(r["ok"] for r in results),
        "failed": sum(not r["ok"] for r in results),
        "rejected": sum(bool(r.get("rejected")) for r in results),
        "wall_s": wall,
        "cpu_s": cpu,
        "start_ms": start_ms,
        "peak_rss_kb": peak_rss_kb(),
        "max_threads": sampler.max_threads - 1,
        "polls": sum(r.get("polls", 0) for r in results),
        "first_error": errors[0] if errors else "",
        "jobs": [{"id": r.get("id", ""), "end_ms": r.get("end_ms", 0), "polls": r.get("polls", 0), "ok": r["ok"]}
                 for r in results] if mode != "throughput" else [],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
