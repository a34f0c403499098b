"""Photos and PDFs sent with a complaint or with the information asked for.

Streamed to temporary files as they arrive and checked by content, cleaned (EXIF and GPS
stripped) and stored under their hash by the same FileStore as a dossier's pages. A complaint
is not a dossier: a few files are enough to show a receipt or a notice on a wall.
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from backend.dossiers.uploads import file_store
from backend.lib.errors import FormErrors, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.multipart import ReceivedForm, receive_multipart
from backend.lib.web import csrf_matches
from backend.settings import get_settings

FIELD = "files"
MAX_FILES = 5
FORM_OVERHEAD = 1024 * 1024
ACCEPT = "image/jpeg,image/png,image/webp,application/pdf,image/*"


def max_total_bytes() -> int:
    settings = get_settings()
    return min(settings.max_dossier_bytes, MAX_FILES * settings.max_file_bytes)


def max_request_bytes() -> int:
    return max_total_bytes() + FORM_OVERHEAD


async def receive(request: Request[Any, Any, Any]) -> ReceivedForm:
    """The whole form, files streamed to disk; the CSRF token checked like the middleware
    would (it is bypassed on these routes so as not to read the body into memory)."""
    settings = get_settings()
    tmp = settings.upload_dir / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    form = await receive_multipart(
        request.stream(),
        request.headers.get("content-type", ""),
        tmp,
        max_file_bytes=settings.max_file_bytes,
        max_total_bytes=max_total_bytes(),
        max_fields=40,
    )
    if not csrf_matches(request, form.first("_csrf_token")):
        form.cleanup()
        raise PermissionDeniedException("CSRF token verification failed")
    return form


async def accept(form: ReceivedForm) -> list[tuple[StoredFile, str]]:
    """Each file checked and stored; raises FormErrors (on the files field) when one is
    refused, after removing every temporary file."""
    received = [f for f in form.files if f.field_name == FIELD]
    try:
        if len(received) > MAX_FILES:
            raise UserError(
                N_("Chỉ gửi kèm tối đa {n} tệp. Hãy chọn những ảnh rõ nhất."),
                field=FIELD,
                n=MAX_FILES,
            )
        store = file_store()
        stored: list[tuple[StoredFile, str]] = []
        for item in received:
            if item.error is not None:
                raise item.error
            if item.tmp_path is None:
                continue
            path, item.tmp_path = item.tmp_path, None  # accept() moves or removes it
            stored.append(
                (await asyncio.to_thread(store.accept, path, item.filename), item.filename)
            )
        return stored
    except UserError as e:
        raise FormErrors([UserError(e.message, field=FIELD, **e.params)]) from e
    finally:
        form.cleanup()
