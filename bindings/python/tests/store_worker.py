"""A worker process for the shared-store tests: runs one operation on every image given
and saves each result in OUTDIR. `python store_worker.py PROVIDER BASE_URL OUTDIR IMAGE...`
(the key comes from RECRAFT_TEST_KEY; the store from RECRAFT_STORE or the default)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import recraft  # noqa: E402


def main() -> int:
    provider, base_url, outdir, *images = sys.argv[1:]
    with recraft.Client(provider, api_key=os.environ["RECRAFT_TEST_KEY"], base_url=base_url, job_timeout=600) as client:
        items = client.batch("crisp_upscale", images, concurrency=8, output_dir=outdir, progress=False)
    failed = [item for item in items if item.error is not None]
    for item in failed:
        print(f"failed: {item.image}: {item.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
