#!/usr/bin/env python3
"""Crisp-upscale many images, a few at a time, with a progress bar on a terminal.

    batch.py BASE_URL OUTPUT_DIR IMAGE... [--provider P] [--concurrency N] [--async]

Each result is saved in OUTPUT_DIR, named after its input (photo.png ->
photo.crisp-upscale.png). One failed image does not stop the others; the exit status is
1 when any failed. --async runs the same batch on asyncio (Client.batch_async).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

# Run from a checkout without installing: the package is one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recraft  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("base_url")
    parser.add_argument("output_dir")
    parser.add_argument("images", nargs="+")
    parser.add_argument("--provider", default="sandbox")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--async", dest="use_async", action="store_true")
    args = parser.parse_args()

    with recraft.Client(args.provider, base_url=args.base_url, api_key=os.environ.get("RECRAFT_API_KEY")) as client:
        if args.use_async:
            items = asyncio.run(client.batch_async("crisp_upscale", args.images, concurrency=args.concurrency,
                                                   output_dir=args.output_dir))
        else:
            items = client.batch("crisp_upscale", args.images, concurrency=args.concurrency,
                                 output_dir=args.output_dir)
    for item in items:
        if item.ok:
            print(f"{item.image} -> {item.output}")
        else:
            print(f"{item.image}: {type(item.error).__name__}: {item.error}", file=sys.stderr)
    return 0 if all(item.ok for item in items) else 1


if __name__ == "__main__":
    sys.exit(main())
