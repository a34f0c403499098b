"""What an image declares in its header: its size and the memory decoding it will take.

Read before any pixel is decoded. Pillow's `Image.open` reads only the header of a JPEG or a
PNG, but for a WebP it starts libwebp's decoder, which allocates its canvas at once (1 GB for
16383×16383): a WebP's size is read from its RIFF header here, without Pillow.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

# libwebp decodes to buffers of its own, hands Pillow a copy, and encodes through buffers of its
# own again: about 20 bytes a pixel in all (measured, lossy and lossless alike).
WEBP_BYTES_PER_PIXEL = 20
WEBP_HEAD_BYTES = 30


@dataclass(frozen=True)
class Header:
    size: tuple[int, int]  # as declared
    decoded_size: tuple[int, int]  # what will be decoded (a JPEG at 1/2..1/8 scale: draft)
    bytes_per_pixel: int  # memory decoding takes, per decoded pixel

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]

    @property
    def decoded_bytes(self) -> int:
        return self.decoded_size[0] * self.decoded_size[1] * self.bytes_per_pixel


def read_header(path: Path, pillow_format: str, decode_side: int) -> Header:
    """The header of an image; a JPEG is to be decoded at the smallest scale that keeps
    `decode_side` on its long side. Raises ValueError (or Pillow's errors) when unreadable."""
    if pillow_format == "WEBP":
        with path.open("rb") as f:
            size = webp_size(f.read(WEBP_HEAD_BYTES))
        return Header(size, size, WEBP_BYTES_PER_PIXEL)
    with Image.open(path, formats=[pillow_format]) as probe:
        size = probe.size
        probe.draft(None, fit(size, decode_side))  # JPEG only; changes `probe.size`
        return Header(size, probe.size, pillow_bytes_per_pixel(probe.mode))


def pillow_bytes_per_pixel(mode: str) -> int:
    """Pillow keeps 1, 2 or 4 bytes a pixel (RGB takes 4)."""
    return 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4


def webp_size(head: bytes) -> tuple[int, int]:
    """The canvas size from the first chunk of a WebP file (RFC 9649); ValueError if absent."""
    if len(head) < WEBP_HEAD_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        raise ValueError("not a WebP header")
    chunk = head[12:16]
    if chunk == b"VP8X":  # extended: canvas width-1 and height-1 on 24 bits each
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
    elif chunk == b"VP8L" and head[20] == 0x2F:  # lossless: 14 bits each, after a signature
        bits = int.from_bytes(head[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":  # lossy: 14 bits + 2 of scale
        w, h = struct.unpack("<HH", head[26:30])
        width, height = w & 0x3FFF, h & 0x3FFF
    else:
        raise ValueError("unknown WebP chunk")
    return width, height


def fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long side is at most `side`."""
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))
