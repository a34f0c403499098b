"""Decoding uploaded photos within a memory budget.

A PNG of 200 KB can declare 7000×7000 pixels of one colour: decoded, that is 196 MB, and eight
sent at once took a worker past 3.8 GB (issue 11). So an image's header is read first
(backend.lib.imageheaders) and checked against a pixel budget, and against the memory its
format needs to decode that many pixels, before any pixel is decoded; JPEGs are decoded at
1/2..1/8 scale (draft mode); a large image is reduced strip by strip, so that no full-size copy
of it is made; and the cleaning of all uploads in a process shares one memory budget
(backend.lib.memory.WORK): ordinary photos side by side, a large image alone.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import ExifTags, Image

from backend.lib.errors import UserError
from backend.lib.i18n import N_
from backend.lib.imageheaders import Header, fit, read_header
from backend.lib.memory import WORK, give_back_memory
from backend.settings import get_settings

MAX_SIDE = 2000  # long side of stored photos: enough to read a document, small to send
# A camera's JPEG takes at least about a quarter of a byte a pixel, so no photo within the file
# size limit has more pixels than four per byte of it: 42 MP at the default MAX_FILE_MB of 10.
PIXELS_PER_BYTE = 4
# Memory the decoding of one image may take (a worker idles at about 130 MB and must stay under
# 400 MB): a PNG at the pixel budget takes 168 MB; a WebP, five times as much a pixel, is
# allowed about 9 MP.
DECODE_BUDGET = 180 * 1024 * 1024
STRIP_ROWS = 64  # rows of the reduced image made from one strip of a large image

IMAGE_TOO_BIG = N_(
    "Ảnh “{name}” có độ phân giải quá lớn (trên {limit} megapixel). "
    "Hãy chụp lại với độ phân giải thấp hơn."
)
IMAGE_CORRUPT = N_(
    "Không đọc được ảnh “{name}”: tệp bị hỏng hoặc chưa tải lên hết. Vui lòng chụp hoặc chọn lại."
)


def pixel_budget(max_file_bytes: int) -> int:
    """The most pixels an uploaded image may declare, for a file size limit."""
    return PIXELS_PER_BYTE * max_file_bytes


def configured_max_pixels() -> int:
    """The pixel budget for the configured MAX_FILE_MB."""
    return pixel_budget(get_settings().max_file_bytes)


# Pillow's own guard, process-wide, on the same budget: wherever an image is opened, Pillow
# refuses twice as much (DecompressionBombError). Its warning above the budget is silenced: the
# budget is checked as soon as the header is read, with a message for the citizen, and the
# warning would only repeat it in the log.
Image.MAX_IMAGE_PIXELS = configured_max_pixels()
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


@contextmanager
def cleaned(path: Path, pillow_format: str, name: str, max_pixels: int) -> Iterator[Image.Image]:
    """The image decoded, shrunk and turned upright, without metadata, for the caller to
    encode: the memory budget (`WORK`) is held until then.

    Raises UserError when the header declares more than the budgets (before decoding) or when
    the file cannot be read."""
    with _reading(name, max_pixels):
        header = read_header(path, pillow_format, MAX_SIDE)
    if header.pixels > max_pixels:
        raise UserError(IMAGE_TOO_BIG, name=name, limit=max_pixels // 1_000_000)
    if header.decoded_bytes > DECODE_BUDGET:  # never a JPEG (drafted): a large WebP
        limit = DECODE_BUDGET // header.bytes_per_pixel
        raise UserError(IMAGE_TOO_BIG, name=name, limit=limit // 1_000_000)
    with WORK.reserve(memory_needed(header)):
        with _reading(name, max_pixels):
            image = _decode(path, pillow_format)
        try:
            yield image
        finally:
            give_back_memory()


def memory_needed(header: Header) -> int:
    """The decoded pixels, and twice the reduced image in 4 bytes a pixel (resizing and
    premultiplying alpha make copies of it)."""
    width, height = header.decoded_size
    factor = max(1, max(width, height) // MAX_SIDE)
    return header.decoded_bytes + 8 * (width // factor) * (height // factor)


@contextmanager
def _reading(name: str, max_pixels: int) -> Iterator[None]:
    try:
        yield
    except UserError:
        raise
    except Image.DecompressionBombError as exc:
        raise UserError(IMAGE_TOO_BIG, name=name, limit=max_pixels // 1_000_000) from exc
    except Exception as exc:
        # Hostile or damaged files make Pillow raise many kinds of errors (OSError,
        # SyntaxError, struct.error, ...); for the citizen they all mean "cannot read".
        raise UserError(IMAGE_CORRUPT, name=name) from exc


def _decode(path: Path, pillow_format: str) -> Image.Image:
    """The pixels, at most MAX_SIDE on the long side, upright, in a mode the format can store,
    as an image of its own: the full-size pixels are freed before the small image is worked."""
    with Image.open(path, formats=[pillow_format]) as source:
        # JPEG only: decode at 1/2..1/8 scale (libjpeg's DCT scaling, a fair downscale) when
        # that still leaves the final size: a 48 MP photo never sits in memory whole.
        source.draft(None, fit(source.size, MAX_SIDE))
        image = _decode_reduced(source, pillow_format)
        orientation = source.getexif().get(ExifTags.Base.Orientation, 1)
        source.close()  # frees the pixels (leaving the `with` only closes the file)
    give_back_memory()
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if (method := _UPRIGHT.get(orientation)) is not None:
        image = image.transpose(method)
    # Savers copy EXIF, XMP, ICC, text chunks... from `info`; an empty one leaves only pixels.
    image.info = {}
    return image


def _decode_reduced(source: Image.Image, pillow_format: str) -> Image.Image:
    """The pixels in a mode the format can store, less than twice MAX_SIDE on the long side, as
    an image of its own (the source is closed after).

    A large image is reduced by a whole factor (box filter) strip by strip, so that converting
    its mode (palette to RGB...) and premultiplying its alpha never copy it whole; Lanczos then
    works on the small image."""
    source.load()
    convert = flatten_to_rgb if pillow_format == "JPEG" else _full_colour
    factor = max(source.size) // MAX_SIDE
    if factor > 1:
        return _reduce_in_strips(source, convert, factor)
    image = convert(source)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return source.copy() if image is source else image


def _reduce_in_strips(
    source: Image.Image, convert: Callable[[Image.Image], Image.Image], factor: int
) -> Image.Image:
    width, height = source.size
    rows = STRIP_ROWS * factor  # a whole number of blocks: strips join without seams
    reduced: Image.Image | None = None
    for top in range(0, height, rows):
        strip = convert(source.crop((0, top, width, min(height, top + rows)))).reduce(factor)
        if reduced is None:
            size = (-(-width // factor), -(-height // factor))
            reduced = Image.new(strip.mode, size)
        reduced.paste(strip, (0, top // factor))
    assert reduced is not None
    return reduced


# EXIF orientation -> the turn that makes the picture upright (as ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def flatten_to_rgb(image: Image.Image) -> Image.Image:
    """RGB (or grey) for JPEG; transparent parts become white (paper), not black."""
    if image.mode in ("RGB", "L"):
        return image
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _full_colour(image: Image.Image) -> Image.Image:
    """Modes that resize smoothly; palette and 1-bit images would resize with nearest-neighbour."""
    if image.mode in ("RGB", "RGBA", "L", "LA") and "transparency" not in image.info:
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")
