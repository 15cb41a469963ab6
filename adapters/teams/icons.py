"""The app's two icons, drawn in pure Python (zlib + struct) so packaging needs no image library.

Teams wants a 192×192 full-colour icon and a 32×32 outline icon that is white on a transparent
background. Both show the same mark: two linked rings (two leaders, connected).
"""

from __future__ import annotations

import math
import struct
import zlib

ACCENT = (0x1D, 0x4F, 0x91)  # the manifest's accentColor
WHITE = (255, 255, 255)


def png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG from rows of (r, g, b, a)."""
    raw = b"".join(b"\x00" + b"".join(struct.pack("4B", *px) for px in row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) \
        + chunk(b"IEND", b"")


def _on_rings(x: float, y: float, size: int) -> bool:
    """Whether (x, y) lies on one of two overlapping rings centred in a `size` square."""
    radius, width = size * 0.22, max(1.0, size * 0.07)
    for cx in (size * 0.38, size * 0.62):
        if abs(math.hypot(x - cx, y - size / 2) - radius) <= width / 2:
            return True
    return False


def color_icon(size: int = 192) -> bytes:
    rows = [[(*WHITE, 255) if _on_rings(x + 0.5, y + 0.5, size) else (*ACCENT, 255) for x in range(size)]
            for y in range(size)]
    return png(size, size, rows)


def outline_icon(size: int = 32) -> bytes:
    rows = [[(*WHITE, 255) if _on_rings(x + 0.5, y + 0.5, size) else (0, 0, 0, 0) for x in range(size)]
            for y in range(size)]
    return png(size, size, rows)
