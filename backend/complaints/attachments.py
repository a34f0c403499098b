"""Photos and PDFs sent with a complaint or with the information asked for.

Streamed to temporary files as they arrive and checked by content, cleaned (EXIF and GPS
stripped) and stored under their hash by the same FileStore as a dossier's pages. A complaint
is not a dossier: a few files are enough to show a receipt or a notice on a wall. The form
itself is received by the pages (backend.complaints.pages.filer.receive_form), which check its
CSRF token.
"""

from __future__ import annotations

from backend.dossiers.uploads import file_store
from backend.lib.errors import FormErrors, UserError
from backend.lib.files import StoredFile
from backend.lib.i18n import N_
from backend.lib.multipart import ReceivedForm
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
            stored.append((await store.accept_in_thread(path, item.filename), item.filename))
        return stored
    except UserError as e:
        raise FormErrors([UserError(e.message, field=FIELD, **e.params)]) from e
    finally:
        form.cleanup()
