#!/usr/bin/env python3
"""Crisp-upscale a local image through a provider and save the result.

    upscale.py BASE_URL INPUT OUTPUT [PROVIDER]

BASE_URL is the provider's address (the sandbox prints its own when it starts), INPUT a
local PNG/JPEG/WebP file, OUTPUT a file path or an existing directory. PROVIDER defaults
to "sandbox"; the API key comes from RECRAFT_API_KEY, else from the provider's own
environment variable (KIE_API_KEY, ...).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Run from a checkout without installing: the package is one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import recraft  # noqa: E402


def main(argv: list[str]) -> int:
    if len(argv) not in (4, 5):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    base_url, image, output = argv[1:4]
    provider = argv[4] if len(argv) == 5 else "sandbox"
    try:
        with recraft.Client(provider=provider, base_url=base_url, api_key=os.environ.get("RECRAFT_API_KEY")) as client:
            with client.submit("crisp_upscale", image) as job:
                job.wait()
                saved = job.download(output)
                print(f"job {job.id} succeeded")
                print(f"result: {job.results[0]}")
                print(f"saved to {saved}")
    except recraft.RecraftError as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
