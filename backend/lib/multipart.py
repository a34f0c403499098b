"""Streaming multipart/form-data receiver.

Litestar's own form parsing reads the whole body into memory; phone photos are large and many
citizens upload at once, so file parts are written to temp files chunk by chunk as they arrive.
A file that is too big is refused on its own (with a message for that field) while the rest of
the form still parses, so the citizen does not lose what they typed.

The overall body size is not limited here: the server's request body limit must bound it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from backend.lib.errors import UserError
from backend.lib.i18n import N_

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MALFORMED = N_("Dữ liệu gửi lên không hợp lệ. Vui lòng thử lại.")
FILE_TOO_LARGE = N_(
    "Tệp “{name}” lớn hơn {limit} MB. Hãy chụp lại với độ phân giải thấp hơn hoặc chọn tệp nhỏ hơn."
)
TOTAL_TOO_LARGE = N_(
    "Tổng dung lượng hồ sơ vượt quá {limit} MB. "
    "Hãy bỏ bớt tệp hoặc chụp lại với độ phân giải thấp hơn."
)
FIELD_TOO_LONG = N_("Nội dung nhập quá dài. Vui lòng rút gọn.")


@dataclass
class ReceivedFile:
    field_name: str
    filename: str
    tmp_path: Path | None  # None when refused while streaming
    size: int  # bytes received (up to where we stopped)
    error: UserError | None  # set when too large etc.; the rest of the form still parses


@dataclass
class ReceivedForm:
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[ReceivedFile] = field(default_factory=list)

    def first(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def cleanup(self) -> None:
        """Delete the temp files nobody took (FileStore.accept removes the ones it took)."""
        for received in self.files:
            if received.tmp_path is not None:
                received.tmp_path.unlink(missing_ok=True)
                received.tmp_path = None


async def receive_multipart(
    stream: AsyncIterator[bytes],
    content_type: str,
    tmp_dir: Path,
    *,
    max_file_bytes: int,
    max_total_bytes: int,
    max_fields: int = 200,
    max_field_bytes: int = 64_000,
) -> ReceivedForm:
    """Parse a multipart body from `stream`, writing file parts to temp files in `tmp_dir`.

    `max_fields` bounds the number of parts (text fields and files) so that a hostile body
    cannot make us hold unbounded field text or create unbounded temp files.
    Raises UserError for a malformed body or an overlong text field; temp files are then removed.
    """
    receiver = _Receiver(tmp_dir, max_file_bytes, max_total_bytes, max_fields, max_field_bytes)
    try:
        parser = MultipartParser(_boundary(content_type), receiver.callbacks())
        async for chunk in stream:
            parser.write(chunk)
        # finalize() does not check that the closing boundary arrived, so a cut-off upload
        # would otherwise look like a complete (shorter) form.
        if parser.state != MultipartState.END:
            raise UserError(MALFORMED)
    except FormParserError as exc:
        receiver.abort()
        raise UserError(MALFORMED) from exc
    except BaseException:
        receiver.abort()
        raise
    return receiver.form


def _boundary(content_type: str) -> bytes:
    media_type, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if media_type != b"multipart/form-data" or not boundary:
        raise UserError(MALFORMED)
    return boundary


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f}".removesuffix(".0")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(MALFORMED) from exc


def _basename(filename: str) -> str:
    # Some clients send a full path (C:\Users\...\photo.jpg); only the last part is meaningful.
    return PurePosixPath(filename.replace("\\", "/")).name


class _Receiver:
    """Turns MultipartParser callbacks into a ReceivedForm."""

    def __init__(
        self,
        tmp_dir: Path,
        max_file_bytes: int,
        max_total_bytes: int,
        max_fields: int,
        max_field_bytes: int,
    ) -> None:
        self.form = ReceivedForm()
        self._tmp_dir = tmp_dir
        self._max_file_bytes = max_file_bytes
        self._max_total_bytes = max_total_bytes
        self._max_parts = max_fields
        self._max_field_bytes = max_field_bytes
        self._parts = 0
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        # The part being received: either a text value or a file.
        self._name = ""
        self._value: bytearray | None = None
        self._file: ReceivedFile | None = None
        self._handle: BinaryIO | None = None
        self._kept_bytes = 0  # bytes of files kept so far, for the total limit
        self._over_total = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def abort(self) -> None:
        """Remove every temp file, including the one being written."""
        if self._file is not None:
            self._drop_tmp(self._file)
        self.form.cleanup()

    # Headers (the parser bounds their count and size).

    def _on_part_begin(self) -> None:
        self._headers = {}

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_name).strip().lower()] = bytes(self._header_value).strip()
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        self._parts += 1
        if self._parts > self._max_parts:
            raise UserError(MALFORMED)
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise UserError(MALFORMED)
        self._name = _decode(options[b"name"])
        filename = options.get(b"filename")
        if filename is None:
            self._value = bytearray()
        else:
            self._file = ReceivedFile(self._name, _basename(_decode(filename)), None, 0, None)

    # Data.

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._value is not None:
            self._add_field_bytes(data[start:end])
        elif self._file is not None:
            self._add_file_bytes(self._file, data[start:end])

    def _on_part_end(self) -> None:
        if self._value is not None:
            self.form.fields.setdefault(self._name, []).append(_decode(bytes(self._value)))
        elif self._file is not None:
            self._finish_file(self._file)
        self._value = None
        self._file = None

    def _add_field_bytes(self, chunk: bytes) -> None:
        assert self._value is not None
        if len(self._value) + len(chunk) > self._max_field_bytes:
            raise UserError(FIELD_TOO_LONG, field=self._name)
        self._value += chunk

    def _add_file_bytes(self, received: ReceivedFile, chunk: bytes) -> None:
        if received.error is not None:
            return  # already refused: let the parser skip to the next part
        received.size += len(chunk)
        if received.size > self._max_file_bytes:
            limit = _megabytes(self._max_file_bytes)
            self._refuse(received, FILE_TOO_LARGE, name=received.filename, limit=limit)
        elif self._over_total or self._kept_bytes + received.size > self._max_total_bytes:
            # Once over, later files are refused too: the message is about the whole request.
            self._over_total = True
            self._refuse(received, TOTAL_TOO_LARGE, limit=_megabytes(self._max_total_bytes))
        else:
            self._open_tmp(received).write(chunk)

    def _finish_file(self, received: ReceivedFile) -> None:
        if received.filename == "" and received.size == 0:
            return  # what a browser sends for an empty <input type=file>
        if received.error is None:
            self._open_tmp(received)  # an empty but named file still gets its (empty) temp file
            self._close_handle()
            self._kept_bytes += received.size
        self.form.files.append(received)

    # Temp files.

    def _open_tmp(self, received: ReceivedFile) -> BinaryIO:
        # Plain blocking writes: a chunk to local disk is quicker than a hop to a worker thread.
        if self._handle is None:
            fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self._tmp_dir)
            received.tmp_path = Path(name)
            self._handle = os.fdopen(fd, "wb")
        return self._handle

    def _close_handle(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _drop_tmp(self, received: ReceivedFile) -> None:
        self._close_handle()
        if received.tmp_path is not None:
            received.tmp_path.unlink(missing_ok=True)
            received.tmp_path = None

    def _refuse(self, received: ReceivedFile, message: str, **params: str) -> None:
        self._drop_tmp(received)
        received.error = UserError(message, field=received.field_name, **params)
