"""Checking, cleaning and storing uploaded documents.

Uploads are identified by their bytes, never by their name or declared type: a renamed
executable is refused. Photos are re-encoded, which drops everything but the pixels (phones
put the GPS position of the citizen's home in EXIF), turns them upright and caps their size,
within a pixel and memory budget (backend.lib.images). PDFs are rewritten without scripts,
actions and embedded files (backend.lib.pdfs). Stored files are content-addressed (sha256), so
the same document uploaded twice is kept once; backend.lib.cleanup removes the ones no row
refers to any more.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image

from backend.lib.errors import NotFound, UserError
from backend.lib.i18n import N_
from backend.lib.imageheaders import fit
from backend.lib.images import (
    IMAGE_CORRUPT,
    IMAGE_TOO_BIG,
    cleaned,
    configured_max_pixels,
    flatten_to_rgb,
)
from backend.lib.memory import WORK
from backend.lib.pdfs import PDF_CORRUPT, PDF_ENCRYPTED, clean_pdf

__all__ = [
    "FILE_NOT_FOUND",
    "HEIC_REFUSED",
    "IMAGE_CORRUPT",
    "IMAGE_TOO_BIG",
    "NOT_A_DOCUMENT",
    "PDF_CORRUPT",
    "PDF_ENCRYPTED",
    "FileStore",
    "Kind",
    "StoredFile",
    "sniff",
]

THUMBNAIL_SIDE = 320
HEAD_BYTES = 32
CHUNK = 1 << 20
# Memory qpdf may need to rewrite a PDF, per byte of it (for the shared budget, memory.WORK):
# measured 200 MB for a 20 MB PDF of 300,000 objects.
PDF_WORK_PER_BYTE = 10
# Threads that check and clean uploads (`FileStore.accept_in_thread`): about one per core. A
# pool of their own, so that uploads waiting for the memory budget never hold the threads
# that asyncio.to_thread lends to the rest of the app.
FILE_WORKERS = 2
_workers = ThreadPoolExecutor(FILE_WORKERS, thread_name_prefix="uploads")

NOT_A_DOCUMENT = N_(
    "“{name}” không phải ảnh (JPEG, PNG, WebP) hay PDF. Vui lòng chọn đúng tệp giấy tờ."
)
HEIC_REFUSED = N_(
    "“{name}” là ảnh HEIC của iPhone, hệ thống chưa đọc được định dạng này. "
    "Hãy dùng nút chụp ảnh của ứng dụng (ảnh được chuyển đổi tự động), hoặc chụp màn hình "
    "ảnh đó rồi gửi ảnh chụp màn hình. Để iPhone luôn chụp ảnh JPEG: vào Cài đặt > Camera > "
    "Định dạng, chọn “Tương thích nhất”."
)
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
# The names the store gives its files: <sha256>.<extension> and <sha256>.thumb.jpg.
_STORED_NAME = re.compile(r"([0-9a-f]{64})\.(?:jpg|png|webp|pdf|thumb\.jpg)")
STAGING = ".staging"  # under the store's root: files being written


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

    def __init__(self, root: Path, max_pixels: int | None = None) -> None:
        """`max_pixels`: the most an image may declare (by default the budget that fits
        MAX_FILE_MB, backend.lib.images)."""
        self.root = root
        self.max_pixels = max_pixels or configured_max_pixels()
        # Staging lives under root so that os.replace never crosses file systems.
        self.staging = root / STAGING
        self.staging.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str, extension: str) -> Path:
        # Names may come from URLs: accept only what we create, so no path can escape root.
        if not _SHA256.fullmatch(sha256) or extension not in _EXTENSIONS:
            raise ValueError(f"not a stored file name: {sha256!r}.{extension!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}.{extension}"

    @staticmethod
    def sha256_of(name: str) -> str | None:
        """The content address a stored file's name (its own or its thumbnail's) stands for."""
        match = _STORED_NAME.fullmatch(name)
        return match.group(1) if match else None

    def thumbnail_path_for(self, sha256: str) -> Path:
        return self.path_for(sha256, "jpg").with_suffix(".thumb.jpg")

    def open(self, sha256: str, extension: str) -> BinaryIO:
        try:
            return self.path_for(sha256, extension).open("rb")
        except (ValueError, FileNotFoundError) as exc:
            raise NotFound(FILE_NOT_FOUND) from exc

    async def accept_in_thread(self, tmp_path: Path, original_name: str) -> StoredFile:
        """`accept` on the upload threads, so that the event loop goes on meanwhile."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_workers, self.accept, tmp_path, original_name)

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
        # qpdf would repair a cut-off upload into a shorter document: refuse it instead.
        _check_pdf_end(tmp_path, name)
        with self._staged() as staged:
            with WORK.reserve(PDF_WORK_PER_BYTE * tmp_path.stat().st_size):
                clean_pdf(tmp_path, staged, name)
            sha256, size = _hash_file(staged)
            _publish(staged, self.path_for(sha256, "pdf"))
        return StoredFile(sha256, size, "application/pdf", "pdf", None, None, False)

    def _accept_image(self, tmp_path: Path, kind: Kind, name: str) -> StoredFile:
        pillow_format, extension, content_type = _TYPES[kind]
        with (
            cleaned(tmp_path, pillow_format, name, self.max_pixels) as image,
            self._staged() as staged,
        ):
            _save(image, staged, pillow_format)
            sha256, size = _hash_file(staged)
            _publish(staged, self.path_for(sha256, extension))
            self._store_thumbnail(image, sha256)
        width, height = image.size
        return StoredFile(sha256, size, content_type, extension, width, height, True)

    def _store_thumbnail(self, image: Image.Image, sha256: str) -> None:
        destination = self.thumbnail_path_for(sha256)
        if _still_there(destination):
            return
        size = fit(image.size, THUMBNAIL_SIDE)
        thumbnail = flatten_to_rgb(image).resize(size, Image.Resampling.LANCZOS)
        with self._staged() as staged:
            _save(thumbnail, staged, "JPEG")
            _publish(staged, destination)

    @contextmanager
    def _staged(self) -> Iterator[Path]:
        """A fresh staging file, removed on the way out unless it was published."""
        fd, name = tempfile.mkstemp(dir=self.staging, suffix=".part")
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


def _still_there(path: Path) -> bool:
    """Whether a stored file exists; if so its modification time becomes now, which tells the
    cleanup (backend.lib.cleanup) that it is wanted again even if no row refers to it yet."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def _publish(staged: Path, destination: Path) -> None:
    """Atomically move `staged` to `destination`, or drop it if an identical file is there."""
    if _still_there(destination):
        staged.unlink()
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    with staged.open("rb") as f:
        # On disk before it is visible: after a crash a content address must never hold a
        # truncated file, since dedupe would then keep it forever.
        os.fsync(f.fileno())
    os.replace(staged, destination)
