from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from backend.lib.errors import NotFound, UserError
from backend.lib.files import (
    HEIC_REFUSED,
    IMAGE_CORRUPT,
    IMAGE_TOO_BIG,
    NOT_A_DOCUMENT,
    PDF_CORRUPT,
    FileStore,
    Kind,
    StoredFile,
    sniff,
)
from tests.helpers import PDF

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56


def ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x00\x00" + brand + b"mif1"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", Kind.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Kind.PNG),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", Kind.WEBP),
        (b"%PDF-1.7\n", Kind.PDF),
        (ftyp(b"heic"), Kind.HEIC),
        (ftyp(b"mif1"), Kind.HEIC),
        (ftyp(b"avif"), Kind.HEIC),
        (ftyp(b"isom"), Kind.UNKNOWN),  # an MP4 video
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", Kind.UNKNOWN),
        (ELF, Kind.UNKNOWN),
        (PE, Kind.UNKNOWN),
        (b"", Kind.UNKNOWN),
    ],
)
def test_sniff(head: bytes, kind: Kind) -> None:
    assert sniff(head) is kind


def upload(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    return path


def image_bytes(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def phone_photo() -> bytes:
    """A 4000x3000 JPEG as a phone writes it: sideways pixels, orientation 6, GPS position."""
    image = Image.new("RGB", (4000, 3000), "blue")
    image.paste((255, 0, 0), (0, 0, 2000, 3000))  # left half red: the top once upright
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)  # IFD 0x8825
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 42.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 51.0, 12.0)
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret</x:xmpmeta>'
    data = image_bytes(image, "JPEG", exif=exif, xmp=xmp, comment=b"secret")
    assert b"Exif" in data and ExifTags.IFD.GPSInfo in Image.open(io.BytesIO(data)).getexif()
    return data


def stored_path(store: FileStore, stored: StoredFile) -> Path:
    return store.path_for(stored.sha256, stored.extension)


def assert_refused(store: FileStore, path: Path, message: str) -> UserError:
    with pytest.raises(UserError) as caught:
        store.accept(path, path.name)
    assert caught.value.message == message
    assert caught.value.params["name"] == path.name
    assert not path.exists()
    return caught.value


def test_phone_photo_is_cleaned_rotated_and_downscaled(tmp_path: Path, store: FileStore) -> None:
    path = upload(tmp_path, "IMG_0001.jpg", phone_photo())
    stored = store.accept(path, "IMG_0001.jpg")

    assert not path.exists()
    assert (stored.content_type, stored.extension) == ("image/jpeg", "jpg")
    assert (stored.width, stored.height) == (1500, 2000)
    data = stored_path(store, stored).read_bytes()
    assert (stored.size, stored.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    for secret in (b"Exif", b"PhoneMaker", b"xmpmeta", b"secret"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.info.get("progressive")
        assert image.size == (1500, 2000)
        assert len(image.getexif()) == 0
        rgb = image.convert("RGB")
        assert rgb.getpixel((750, 10)) == pytest.approx((255, 0, 0), abs=8)
        assert rgb.getpixel((750, 1990)) == pytest.approx((0, 0, 255), abs=8)
    assert stored.has_thumbnail
    with Image.open(store.thumbnail_path_for(stored.sha256)) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("JPEG", (240, 320))


def test_png_text_chunks_are_stripped(tmp_path: Path, store: FileStore) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret")
    info.add_itxt("Author", "secret", zip=True)
    image = Image.new("RGBA", (300, 200), (0, 128, 0, 128))
    path = upload(tmp_path, "scan.png", image_bytes(image, "PNG", pnginfo=info, dpi=(300, 300)))
    stored = store.accept(path, "scan.png")

    assert (stored.content_type, stored.extension, stored.width, stored.height) == (
        "image/png",
        "png",
        300,
        200,
    )
    data = stored_path(store, stored).read_bytes()
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"pHYs", b"secret"):
        assert chunk not in data
    with Image.open(io.BytesIO(data)) as cleaned:
        assert isinstance(cleaned, PngImagePlugin.PngImageFile)
        assert cleaned.mode == "RGBA" and cleaned.text == {}
    with Image.open(store.thumbnail_path_for(stored.sha256)) as thumbnail:
        # Transparency becomes white paper in the JPEG thumbnail, not black.
        assert thumbnail.convert("RGB").getpixel((0, 0)) == pytest.approx((127, 191, 127), abs=8)


def test_webp_stays_webp_without_exif(tmp_path: Path, store: FileStore) -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    data = image_bytes(Image.new("RGB", (2600, 1300), "gray"), "WEBP", exif=exif)
    stored = store.accept(upload(tmp_path, "a.webp", data), "a.webp")

    assert (stored.content_type, stored.width, stored.height) == ("image/webp", 2000, 1000)
    cleaned = stored_path(store, stored).read_bytes()
    assert cleaned[8:12] == b"WEBP" and b"EXIF" not in cleaned and b"PhoneMaker" not in cleaned


def test_pdf_is_stored_as_qpdf_rewrote_it(tmp_path: Path, store: FileStore) -> None:
    path = upload(tmp_path, "form.pdf", PDF)
    stored = store.accept(path, "form.pdf")

    data = stored_path(store, stored).read_bytes()
    assert data.startswith(b"%PDF-") and data != PDF  # repaired: a cross-reference table
    assert stored == StoredFile(
        hashlib.sha256(data).hexdigest(), len(data), "application/pdf", "pdf", None, None, False
    )
    with store.open(stored.sha256, "pdf") as f:
        assert f.read() == data


def test_dedupe(tmp_path: Path, store: FileStore) -> None:
    photo = phone_photo()
    first = store.accept(upload(tmp_path, "a.jpg", photo), "a.jpg")
    second = store.accept(upload(tmp_path, "b.jpg", photo), "b.jpg")

    assert first == second
    folder = stored_path(store, first).parent
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{first.sha256}.jpg",
        f"{first.sha256}.thumb.jpg",
    ]
    assert list((store.root / ".staging").iterdir()) == []


@pytest.mark.parametrize("data", [ELF, PE, b"", b"hello"])
def test_executable_or_junk_named_jpg_is_refused(
    tmp_path: Path, store: FileStore, data: bytes
) -> None:
    assert_refused(store, upload(tmp_path, "photo.jpg", data), NOT_A_DOCUMENT)


def test_heic_is_refused_with_help(tmp_path: Path, store: FileStore) -> None:
    error = assert_refused(store, upload(tmp_path, "IMG_0002.HEIC", ftyp(b"heic")), HEIC_REFUSED)
    assert "Tương thích nhất" in error.render()


def test_corrupt_image_is_refused(tmp_path: Path, store: FileStore) -> None:
    truncated = image_bytes(Image.effect_noise((500, 500), 50), "JPEG")[:2000]
    assert_refused(store, upload(tmp_path, "cut.jpg", truncated), IMAGE_CORRUPT)
    assert_refused(
        store, upload(tmp_path, "junk.png", b"\x89PNG\r\n\x1a\n" + b"x" * 99), IMAGE_CORRUPT
    )


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size without the pixels to back it (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))


@pytest.mark.parametrize("size", [(8000, 7000), (20000, 20000)])
def test_huge_image_is_refused_before_decoding(
    tmp_path: Path, store: FileStore, size: tuple[int, int]
) -> None:
    assert_refused(store, upload(tmp_path, "bomb.png", png_header_only(*size)), IMAGE_TOO_BIG)


def test_truncated_pdf_is_refused(tmp_path: Path, store: FileStore) -> None:
    assert_refused(store, upload(tmp_path, "cut.pdf", PDF[:40]), PDF_CORRUPT)


def test_paths(store: FileStore) -> None:
    sha = "ab" + "cd" + "0" * 60
    assert store.path_for(sha, "png") == store.root / "ab" / "cd" / f"{sha}.png"
    assert store.thumbnail_path_for(sha) == store.root / "ab" / "cd" / f"{sha}.thumb.jpg"
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd", "png")
    with pytest.raises(NotFound):
        store.open(sha, "exe")
    with pytest.raises(NotFound):
        store.open(sha, "png")
