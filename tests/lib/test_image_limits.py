"""Image bombs are refused from their header, before any pixel is decoded; large images within
the budget are cleaned without a full-size copy; the budget of concurrent work holds (issue 11,
item 4). The memory itself is measured by bench/image_bomb.py."""

from __future__ import annotations

import io
import struct
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from backend.lib import images
from backend.lib.errors import UserError
from backend.lib.files import IMAGE_TOO_BIG, FileStore
from backend.lib.imageheaders import WEBP_BYTES_PER_PIXEL, read_header, webp_size
from backend.lib.memory import WorkBudget
from backend.settings import get_settings

MP = 1_000_000


def encoded(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def the_bomb() -> bytes:
    """The one of the issue: 7000×7000 RGBA of one colour, about 200 KB (196 MB decoded)."""
    return encoded(Image.new("RGBA", (7000, 7000), (255, 255, 255, 0)), "PNG")


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Fails the test if an image is decoded at all."""
    decoded: list[Path] = []

    def refuse(path: Path, pillow_format: str) -> Image.Image:
        decoded.append(path)
        raise AssertionError("decoded")

    monkeypatch.setattr(images, "_decode", refuse)
    return decoded


def accept(store: FileStore, tmp_path: Path, data: bytes, name: str) -> object:
    path = tmp_path / name
    path.write_bytes(data)
    return store.accept(path, name)


def refused(store: FileStore, tmp_path: Path, data: bytes, name: str) -> UserError:
    with pytest.raises(UserError) as caught:
        accept(store, tmp_path, data, name)
    assert caught.value.message == IMAGE_TOO_BIG and caught.value.params["name"] == name
    assert not (tmp_path / name).exists()
    return caught.value


def test_the_pixel_budget_fits_the_file_size_limit() -> None:
    settings = get_settings()
    assert settings.max_file_mb == 10
    assert images.configured_max_pixels() == 4 * 10 * 1024 * 1024  # 41.9 MP
    # Pillow's own guard (DecompressionBombError at twice it) is set on the same budget.
    assert images.configured_max_pixels() == Image.MAX_IMAGE_PIXELS


def test_the_bomb_is_refused_from_its_header(
    store: FileStore, tmp_path: Path, no_decoding: list[Path]
) -> None:
    bomb = the_bomb()
    assert len(bomb) < 300_000

    error = refused(store, tmp_path, bomb, "bomb.png")

    assert no_decoding == []
    assert error.render() == (
        "Ảnh “bomb.png” có độ phân giải quá lớn (trên 41 megapixel). "
        "Hãy chụp lại với độ phân giải thấp hơn."
    )
    assert list(store.root.rglob("*.png")) == []


def test_the_budget_follows_the_store(store: FileStore, tmp_path: Path) -> None:
    small = FileStore(tmp_path / "small", max_pixels=2 * MP)
    over = encoded(Image.new("RGB", (1500, 1500), "white"), "PNG")  # 2.25 MP
    assert refused(small, tmp_path, over, "scan.png").params["limit"] == 2
    assert accept(store, tmp_path, over, "scan.png")


def test_a_webp_is_measured_before_pillow_opens_it(
    store: FileStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # libwebp allocates its whole canvas when Pillow opens the file: the header is read by hand.
    def no_open(*args: object, **kwargs: object) -> Image.Image:
        raise AssertionError("opened with Pillow")

    monkeypatch.setattr(Image, "open", no_open)
    huge = b"RIFF" + struct.pack("<I", 22) + b"WEBPVP8X" + struct.pack("<I", 10)
    huge += b"\x10\x00\x00\x00" + (4000 - 1).to_bytes(3, "little") * 2 + b"\x00" * 64
    error = refused(store, tmp_path, huge, "anh.webp")
    # 16 MP: under the pixel budget, but a WebP takes about five times the memory of a PNG a
    # pixel, so its limit is lower.
    assert error.params["limit"] == images.DECODE_BUDGET // WEBP_BYTES_PER_PIXEL // MP == 9


@pytest.mark.parametrize(
    ("mode", "size", "options"),
    [
        ("RGB", (1234, 567), {}),
        ("RGBA", (3001, 17), {"lossless": True}),
        ("RGBA", (16383, 1), {}),
        ("RGB", (5, 7), {"lossless": True}),
    ],
)
def test_webp_sizes_are_read_from_the_header(
    mode: str, size: tuple[int, int], options: dict[str, object]
) -> None:
    data = encoded(Image.new(mode, size), "WEBP", **options)
    assert webp_size(data[:30]) == size == Image.open(io.BytesIO(data)).size


def test_a_jpeg_is_decoded_at_a_fraction_of_its_size(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encoded(Image.new("RGB", (8000, 6000), "gray"), "JPEG"))
    header = read_header(path, "JPEG", images.MAX_SIDE)
    # 48 MP declared (over the budget of 41.9: refused), 2000×1500 decoded if it were not.
    assert header.size == (8000, 6000) and header.decoded_size == (2000, 1500)


def test_a_normal_phone_photo_still_passes(store: FileStore, tmp_path: Path) -> None:
    photo = Image.effect_noise((1000, 750), 60).convert("RGB").resize((4000, 3000))
    stored = accept(store, tmp_path, encoded(photo, "JPEG", quality=90), "IMG_0001.jpg")
    assert (stored.width, stored.height, stored.content_type) == (2000, 1500, "image/jpeg")


def test_a_large_palette_scan_is_reduced_in_strips(store: FileStore, tmp_path: Path) -> None:
    # 8100×4100 in a palette with a transparent colour: converted to RGBA strip by strip while
    # being reduced by 4, then Lanczos to 2000 wide.
    scan = Image.new("P", (8100, 4100), 0)
    scan.putpalette([255, 0, 0, 0, 0, 255, 255, 255, 255])
    scan.paste(1, (4050, 0, 8100, 4100))  # right half blue
    scan.paste(2, (0, 4000, 8100, 4100))  # a white band at the bottom: transparent
    data = encoded(scan, "PNG", transparency=2)

    stored = accept(store, tmp_path, data, "scan.png")

    assert (stored.width, stored.height) == (2000, 1012)
    with Image.open(store.path_for(stored.sha256, "png")) as image:
        assert image.mode == "RGBA"
        assert image.getpixel((500, 500)) == (255, 0, 0, 255)
        assert image.getpixel((1500, 500)) == (0, 0, 255, 255)
        assert image.getpixel((1000, 1010))[3] == 0
        # No seam where two strips meet (256 rows of the source each, 64 reduced rows).
        column = [image.getpixel((500, y)) for y in range(50, 900)]
        assert set(column) == {(255, 0, 0, 255)}


def test_work_waits_for_room_in_the_budget() -> None:
    budget = WorkBudget(100)
    order: list[str] = []
    started = threading.Event()

    def job(name: str, cost: int, hold: float) -> None:
        with budget.reserve(cost):
            order.append(f"start {name}")
            started.set()
            time.sleep(hold)
            order.append(f"end {name}")

    first = threading.Thread(target=job, args=("big", 500, 0.2))  # more than all: runs alone
    first.start()
    started.wait()
    others = [threading.Thread(target=job, args=(n, 40, 0.05)) for n in ("a", "b")]
    for t in others:
        t.start()
    for t in [first, *others]:
        t.join()

    assert order[:2] == ["start big", "end big"]
    # The two small ones fit side by side.
    assert order[2:4] == ["start a", "start b"] or order[2:4] == ["start b", "start a"]
    assert budget.free == 100
