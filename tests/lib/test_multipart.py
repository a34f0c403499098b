from __future__ import annotations

import random
import tracemalloc
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from backend.lib.errors import UserError
from backend.lib.multipart import (
    FIELD_TOO_LONG,
    FILE_TOO_LARGE,
    MALFORMED,
    TOTAL_TOO_LARGE,
    ReceivedForm,
    receive_multipart,
)

BOUNDARY = "----MotCuaBoundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"

# (field name, filename or None for a text field, content)
Part = tuple[str, str | None, bytes]


def part_head(name: str, filename: str | None) -> bytes:
    disposition = f'form-data; name="{name}"'
    if filename is None:
        return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode()
    disposition += f'; filename="{filename}"'
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()


def build_body(parts: Iterable[Part]) -> bytes:
    body = b"".join(part_head(name, filename) + data + b"\r\n" for name, filename, data in parts)
    return body + f"--{BOUNDARY}--\r\n".encode()


async def random_chunks(body: bytes, seed: int = 1) -> AsyncIterator[bytes]:
    rng = random.Random(seed)
    i = 0
    while i < len(body):
        size = rng.randint(7, 4096)
        yield body[i : i + size]
        i += size


def random_bytes(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


async def receive(body: bytes, tmp_dir: Path, **limits: int) -> ReceivedForm:
    limits.setdefault("max_file_bytes", 10_000_000)
    limits.setdefault("max_total_bytes", 20_000_000)
    return await receive_multipart(random_chunks(body), CONTENT_TYPE, tmp_dir, **limits)


def tmp_files(tmp_dir: Path) -> list[Path]:
    return sorted(tmp_dir.iterdir())


@pytest.mark.asyncio
async def test_fields_and_files_in_random_chunks(tmp_path: Path) -> None:
    photo = random_bytes(300_000, seed=2)
    scan = random_bytes(5_000, seed=3) + b"\r\n--" + BOUNDARY[:10].encode()  # boundary-like bytes
    body = build_body(
        [
            ("full_name", None, "Nguyễn Văn Á".encode()),
            ("note", None, b""),
            ("docs", "ảnh CCCD.jpg", photo),
            ("docs", "C:\\Users\\me\\scan.pdf", scan),
            ("empty", "", b""),  # an <input type=file> left empty
            ("tags", None, b"a"),
            ("tags", None, b"b"),
        ]
    )
    form = await receive(body, tmp_path)

    assert form.first("full_name") == "Nguyễn Văn Á"
    assert form.first("note") == ""
    assert form.fields["tags"] == ["a", "b"]
    assert form.first("missing", "x") == "x"
    assert [(f.field_name, f.filename, f.size, f.error) for f in form.files] == [
        ("docs", "ảnh CCCD.jpg", len(photo), None),
        ("docs", "scan.pdf", len(scan), None),
    ]
    assert [f.tmp_path.read_bytes() for f in form.files if f.tmp_path] == [photo, scan]

    form.cleanup()
    assert tmp_files(tmp_path) == []
    assert all(f.tmp_path is None for f in form.files)


@pytest.mark.asyncio
async def test_oversize_file_is_refused_but_the_rest_parses(tmp_path: Path) -> None:
    small = random_bytes(50_000, seed=4)
    body = build_body(
        [
            ("full_name", None, b"Tran Thi B"),
            ("front", "front.jpg", random_bytes(150_000, seed=5)),
            ("back", "back.jpg", small),
            ("phone", None, b"0901234567"),
        ]
    )
    form = await receive(body, tmp_path, max_file_bytes=100_000)

    big, kept = form.files
    assert big.tmp_path is None
    assert 100_000 < big.size < 150_000 + 4096
    assert big.error is not None
    assert big.error.message == FILE_TOO_LARGE
    assert big.error.field == "front"
    assert big.error.params == {"name": "front.jpg", "limit": "0.1"}
    assert kept.error is None
    assert kept.tmp_path is not None and kept.tmp_path.read_bytes() == small
    assert form.first("full_name") == "Tran Thi B"
    assert form.first("phone") == "0901234567"
    assert tmp_files(tmp_path) == [kept.tmp_path]


@pytest.mark.asyncio
async def test_total_limit_refuses_the_file_that_crosses_it_and_later_ones(
    tmp_path: Path,
) -> None:
    sizes = [60_000, 50_000, 30_000, 5_000]
    parts: list[Part] = [(f"f{i}", f"{i}.jpg", random_bytes(n, i)) for i, n in enumerate(sizes)]
    form = await receive(
        build_body(parts), tmp_path, max_file_bytes=100_000, max_total_bytes=120_000
    )

    errors = [f.error.message if f.error else None for f in form.files]
    assert errors == [None, None, TOTAL_TOO_LARGE, TOTAL_TOO_LARGE]
    assert form.files[2].error is not None and form.files[2].error.field == "f2"
    assert sum(f.size for f in form.files if f.error is None) == 110_000
    assert len(tmp_files(tmp_path)) == 2
    form.cleanup()


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not a multipart body at all",
        # cut off in the middle of a file
        build_body([("a", None, b"1"), ("f", "x.jpg", b"y" * 50_000)])[:30_000],
        # a part without a name
        f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        # a field that is not UTF-8
        build_body([("a", None, b"\xff\xfe")]),
    ],
)
async def test_malformed_body(tmp_path: Path, body: bytes) -> None:
    with pytest.raises(UserError) as caught:
        await receive(body, tmp_path)
    assert caught.value.message == MALFORMED
    assert tmp_files(tmp_path) == []


@pytest.mark.asyncio
@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/json"])
async def test_bad_content_type(tmp_path: Path, content_type: str) -> None:
    body = build_body([("a", None, b"1")])
    with pytest.raises(UserError) as caught:
        await receive_multipart(
            random_chunks(body), content_type, tmp_path, max_file_bytes=1, max_total_bytes=1
        )
    assert caught.value.message == MALFORMED


@pytest.mark.asyncio
async def test_text_fields_are_bounded(tmp_path: Path) -> None:
    long_field = build_body([("f", "a.jpg", b"x" * 10), ("note", None, b"x" * 1_001)])
    with pytest.raises(UserError) as caught:
        await receive(long_field, tmp_path, max_field_bytes=1_000)
    assert (caught.value.message, caught.value.field) == (FIELD_TOO_LONG, "note")
    assert tmp_files(tmp_path) == []

    many_fields = build_body([(f"f{i}", None, b"1") for i in range(11)])
    with pytest.raises(UserError) as caught:
        await receive(many_fields, tmp_path, max_fields=10)
    assert caught.value.message == MALFORMED


@pytest.mark.asyncio
async def test_streams_a_large_file_in_little_memory(tmp_path: Path) -> None:
    chunk = random_bytes(64 * 1024, seed=6)
    count = 30 * 16  # 30 MB

    async def body() -> AsyncIterator[bytes]:
        yield part_head("name", None) + b"Le Van C\r\n" + part_head("photo", "big.jpg")
        for _ in range(count):
            yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    tracemalloc.start()
    try:
        form = await receive_multipart(
            body(), CONTENT_TYPE, tmp_path, max_file_bytes=40_000_000, max_total_bytes=40_000_000
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 5_000_000
    (photo,) = form.files
    assert photo.size == len(chunk) * count
    assert photo.tmp_path is not None and photo.tmp_path.stat().st_size == photo.size
    assert form.first("name") == "Le Van C"
    form.cleanup()
