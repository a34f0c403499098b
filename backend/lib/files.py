"""Checking, cleaning and storing uploaded documents.

Uploads are identified by their bytes, never by their name or declared type: a renamed
executable is refused. Photos are re-encoded, which drops everything but the pixels (phones
put the GPS position of the citizen's home in EXIF), turns them upright and caps their size.
Stored files are content-addressed (sha256), so the same document uploaded twice is kept once.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageOps

from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_

MAX_SIDE = 2000  # long side of stored photos: enough to read a document, small to send
THUMBNAIL_SIDE = 320
MAX_PIXELS = 50_000_000  # refuse larger images before decoding them (decompression bombs)
HEAD_BYTES = 32
CHUNK = 1 << 20

NOT_A_DOCUMENT = N_(
    "“{name}” không phải ảnh (JPEG, PNG, WebP) hay PDF. Vui lòng chọn đúng tệp giấy tờ."
)
HEIC_REFUSED = N_(
    "“{name}” là ảnh HEIC của iPhone, hệ thống chưa đọc được định dạng này. "
    "Hãy dùng nút chụp ảnh của ứng dụng (ảnh được chuyển đổi tự động), hoặc chụp màn hình "
    "ảnh đó rồi gửi ảnh chụp màn hình. Để iPhone luôn chụp ảnh JPEG: vào Cài đặt > Camera > "
    "Định dạng, chọn “Tương thích nhất”."
)
IMAGE_TOO_BIG = N_(
    "Ảnh “{name}” có độ phân giải quá lớn (trên {limit} megapixel). "
    "Hãy chụp lại với độ phân giải thấp hơn."
)
IMAGE_CORRUPT = N_(
    "Không đọc được ảnh “{name}”: tệp bị hỏng hoặc chưa tải lên hết. Vui lòng chụp hoặc chọn lại."
)
PDF_CORRUPT = N_("Tệp PDF “{name}” bị hỏng hoặc chưa tải lên hết. Vui lòng chọn lại tệp.")
FILE_NOT_FOUND = N_("Không tìm thấy tệp.")


class Kind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    WEBP = "webp"
    PDF = "pdf"
    HEIC = "heic"
    UNKNOWN = "unknown"


_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif"}

# kind -> (Pillow format, stored extension, content type)
_TYPES: dict[Kind, tuple[str, str, str]] = {
    Kind.JPEG: ("JPEG", "jpg", "image/jpeg"),
    Kind.PNG: ("PNG", "png", "image/png"),
    Kind.WEBP: ("WEBP", "webp", "image/webp"),
    Kind.PDF: ("PDF", "pdf", "application/pdf"),
}
_EXTENSIONS = {extension for _, extension, _ in _TYPES.values()}
_SHA256 = re.compile(r"[0-9a-f]{64}")


def sniff(head: bytes) -> Kind:
    """Recognise a file by its first bytes (at least 12 are needed)."""
    if head.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind.WEBP
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return Kind.HEIC
    return Kind.UNKNOWN


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    content_type: str
    extension: str
    width: int | None
    height: int | None
    has_thumbnail: bool


class FileStore:
    """Content-addressed files under `root`: root/ab/cd/<sha256>.<ext>."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # Staging lives under root so that os.replace never crosses file systems.
        self._staging = root / ".staging"
        self._staging.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str, extension: str) -> Path:
        # Names may come from URLs: accept only what we create, so no path can escape root.
        if not _SHA256.fullmatch(sha256) or extension not in _EXTENSIONS:
            raise ValueError(f"not a stored file name: {sha256!r}.{extension!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{extension}"

    def thumbnail_path_for(self, sha256: str) -> Path:
        return self.path_for(sha256, "jpg").with_suffix(".thumb.jpg")

    def open(self, sha256: str, extension: str) -> BinaryIO:
        try:
            return self.path_for(sha256, extension).open("rb")
        except (ValueError, FileNotFoundError) as exc:
            raise NotFound(FILE_NOT_FOUND) from exc

    def accept(self, tmp_path: Path, original_name: str) -> StoredFile:
        """Check, clean and store an upload; raises UserError. Always removes `tmp_path`."""
        try:
            with tmp_path.open("rb") as f:
                kind = sniff(f.read(HEAD_BYTES))
            if kind is Kind.UNKNOWN:
                raise UserError(NOT_A_DOCUMENT, name=original_name)
            if kind is Kind.HEIC:
                raise UserError(HEIC_REFUSED, name=original_name)
            if kind is Kind.PDF:
                return self._accept_pdf(tmp_path, original_name)
            return self._accept_image(tmp_path, kind, original_name)
        finally:
            tmp_path.unlink(missing_ok=True)

    def _accept_pdf(self, tmp_path: Path, name: str) -> StoredFile:
        _check_pdf_end(tmp_path, name)
        with self._staged() as staged:
            shutil.copyfile(tmp_path, staged)
            sha256, size = _hash_file(staged)
            _publish(staged, self.path_for(sha256, "pdf"))
        return StoredFile(sha256, size, "application/pdf", "pdf", None, None, False)

    def _accept_image(self, tmp_path: Path, kind: Kind, name: str) -> StoredFile:
        pillow_format, extension, content_type = _TYPES[kind]
        image = _clean_image(tmp_path, pillow_format, name)
        with self._staged() as staged:
            _save(image, staged, pillow_format)
            sha256, size = _hash_file(staged)
            _publish(staged, self.path_for(sha256, extension))
        self._store_thumbnail(image, sha256)
        width, height = image.size
        return StoredFile(sha256, size, content_type, extension, width, height, True)

    def _store_thumbnail(self, image: Image.Image, sha256: str) -> None:
        destination = self.thumbnail_path_for(sha256)
        if destination.exists():
            return
        size = _fit(image.size, THUMBNAIL_SIDE)
        thumbnail = _flatten_to_rgb(image).resize(size, Image.Resampling.LANCZOS)
        with self._staged() as staged:
            _save(thumbnail, staged, "JPEG")
            _publish(staged, destination)

    @contextmanager
    def _staged(self) -> Iterator[Path]:
        """A fresh staging file, removed on the way out unless it was published."""
        fd, name = tempfile.mkstemp(dir=self._staging, suffix=".part")
        os.close(fd)
        path = Path(name)
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)


def _check_pdf_end(path: Path, name: str) -> None:
    # A PDF ends with %%EOF (maybe followed by a newline): a cut-off upload does not.
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 1024))
        if b"%%EOF" not in f.read():
            raise UserError(PDF_CORRUPT, name=name)


def _clean_image(path: Path, pillow_format: str, name: str) -> Image.Image:
    """Decode, turn upright and shrink an image; the result carries no metadata."""
    try:
        with Image.open(path, formats=[pillow_format]) as source:
            width, height = source.size
            if width * height > MAX_PIXELS:
                raise UserError(IMAGE_TOO_BIG, name=name, limit=MAX_PIXELS // 1_000_000)
            # For JPEG, decode at 1/2..1/8 scale when that still leaves twice the final size:
            # a 48 MP photo then never sits in memory at full size.
            source.draft(None, _fit(source.size, 2 * MAX_SIDE))
            image = ImageOps.exif_transpose(source)  # loads the pixels; a new image
    except UserError:
        raise
    except Image.DecompressionBombError as exc:
        raise UserError(IMAGE_TOO_BIG, name=name, limit=MAX_PIXELS // 1_000_000) from exc
    except Exception as exc:
        # Hostile or damaged files make Pillow raise many kinds of errors (OSError,
        # SyntaxError, struct.error, ...); for the citizen they all mean "cannot read".
        raise UserError(IMAGE_CORRUPT, name=name) from exc
    image = _flatten_to_rgb(image) if pillow_format == "JPEG" else _full_colour(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # Savers copy EXIF, XMP, ICC, text chunks... from `info`; an empty one leaves only pixels.
    image.info = {}
    return image


def _fit(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down (never up) so that its long side is at most `side`."""
    width, height = size
    scale = min(1.0, side / max(width, height, 1))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _flatten_to_rgb(image: Image.Image) -> Image.Image:
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


_SAVE_OPTIONS: dict[str, dict[str, Any]] = {
    "JPEG": {"quality": 85, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}


def _save(image: Image.Image, path: Path, pillow_format: str) -> None:
    with path.open("wb") as f:
        image.save(f, format=pillow_format, **_SAVE_OPTIONS[pillow_format])


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _publish(staged: Path, destination: Path) -> None:
    """Atomically move `staged` to `destination`, or drop it if an identical file is there."""
    if destination.exists():
        staged.unlink()
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    with staged.open("rb") as f:
        # On disk before it is visible: after a crash a content address must never hold a
        # truncated file, since dedupe would then keep it forever.
        os.fsync(f.fileno())
    os.replace(staged, destination)
