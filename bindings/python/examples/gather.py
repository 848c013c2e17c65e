#!/usr/bin/env python3
"""Upscale one image N times at once with asyncio: every wait is a completion callback,
not a thread, so hundreds of jobs in flight cost a few threads.

    gather.py BASE_URL IMAGE OUTPUT_DIR [N]
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recraft  # noqa: E402


async def run(base_url: str, image: str, output_dir: str, count: int) -> int:
    async with recraft.Client("sandbox", base_url=base_url, api_key=os.environ.get("RECRAFT_API_KEY")) as client:
        started = time.monotonic()
        outcomes = await asyncio.gather(
            *(client.crisp_upscale_async(image, os.path.join(output_dir, f"{index}.png")) for index in range(count)),
            return_exceptions=True)
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    print(f"{count - len(failed)} of {count} jobs succeeded in {time.monotonic() - started:.1f} s "
          f"with {threading.active_count()} threads")
    for error in failed[:5]:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    os.makedirs(argv[3], exist_ok=True)
    return asyncio.run(run(argv[1], argv[2], argv[3], int(argv[4]) if len(argv) == 5 else 50))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
