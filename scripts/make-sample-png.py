#!/usr/bin/env python3
"""Write the bundled sample image, bindings/c/examples/sample.png (256x256 RGB).

A gradient background with a disc, a ring, a square and stripes, so that an upscale has
edges and smooth regions to show. Stdlib only (zlib); the output is deterministic, so
re-running it leaves the committed file unchanged.

Usage: scripts/make-sample-png.py [OUTPUT] [--size N]
"""

from __future__ import annotations

import argparse
import math
import struct
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, pixel) -> bytes:
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            rows.extend(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b""))


def sample(size: int):
    def pixel(x: int, y: int) -> tuple[int, int, int]:
        u, v = x / (size - 1), y / (size - 1)
        r, g, b = int(40 + 170 * u), int(60 + 120 * v), int(200 - 120 * u * v)
        cx, cy = u - 0.38, v - 0.40
        d = math.hypot(cx, cy)
        if d < 0.22:  # an orange disc with soft shading
            shade = 1.0 - d / 0.22 * 0.35
            r, g, b = int(250 * shade), int(150 * shade), int(40 * shade)
        elif 0.27 < math.hypot(u - 0.70, v - 0.68) < 0.32:  # a white ring
            r, g, b = 245, 245, 245
        elif 0.58 < u < 0.88 and 0.10 < v < 0.36:  # a dark square
            r, g, b = 30, 35, 60
        elif v > 0.86 and (x // max(1, size // 32)) % 2 == 0:  # stripes along the bottom
            r, g, b = 20, 20, 20
        return r, g, b
    return pixel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", nargs="?", type=Path, default=ROOT / "bindings" / "c" / "examples" / "sample.png")
    parser.add_argument("--size", type=int, default=256)
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(png(args.size, args.size, sample(args.size)))
    print(f"wrote {args.output} ({args.size}x{args.size})")


if __name__ == "__main__":
    main()
