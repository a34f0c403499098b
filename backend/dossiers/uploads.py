"""Attaching the files of a streamed multipart form to a draft (pages and API alike).

Field names `doc-<required document id>` carry the pages of one required document; every other
field is plain text. Each file has been streamed to a temporary file (backend.lib.multipart,
read by the pages' and the API's `receive`); here it is checked and cleaned (backend.lib.files)
and attached. A refused file leaves the draft and every other file intact; its error is
reported beside its slot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend.access.user import CurrentUser
from backend.dossiers import drafts
from backend.dossiers.queries import file_for
from backend.lib.errors import UserError
from backend.lib.files import FileStore
from backend.lib.multipart import ReceivedForm
from backend.settings import get_settings

# Room for the text fields and multipart framing around the files themselves.
FORM_OVERHEAD = 1024 * 1024


def max_request_bytes() -> int:
    return get_settings().max_dossier_bytes + FORM_OVERHEAD


async def stored_file(
    user: CurrentUser, dossier_id: int, file_id: int, thumbnail: bool = False
) -> tuple[Path, str, str]:
    """Where a dossier's file is on disk, its media type and the name to send it under, if
    this person may see the dossier (pages and API send it the same way)."""
    f = await file_for(user, dossier_id, file_id)
    store = file_store()
    if thumbnail and f["has_thumbnail"]:
        path, media_type = store.thumbnail_path_for(f["sha256"]), "image/jpeg"
    else:
        path, media_type = store.path_for(f["sha256"], f["extension"]), f["content_type"]
    return path, media_type, f"{file_id}.{'jpg' if thumbnail else f['extension']}"


def file_store() -> FileStore:
    return FileStore(get_settings().upload_dir)


def upload_limits() -> dict[str, Any]:
    """Where and how large a streamed upload may be (for lib.multipart.receive_multipart)."""
    settings = get_settings()
    tmp = settings.upload_tmp_dir
    tmp.mkdir(parents=True, exist_ok=True)
    return {
        "tmp_dir": tmp,
        "max_file_bytes": settings.max_file_bytes,
        "max_total_bytes": settings.max_dossier_bytes,
    }


@dataclass
class UploadOutcome:
    form: ReceivedForm
    added: list[int] = field(default_factory=list)
    errors: dict[str, UserError] = field(default_factory=dict)  # by field name


def document_id_of(field_name: str) -> int | None:
    prefix, _, rest = field_name.partition("-")
    return int(rest) if prefix == "doc" and rest.isdigit() else None


async def attach_files(user: CurrentUser, dossier_id: int, form: ReceivedForm) -> UploadOutcome:
    outcome = UploadOutcome(form=form)
    store = file_store()
    for received in form.files:
        doc_id = document_id_of(received.field_name)
        try:
            if received.error is not None:
                raise received.error
            if doc_id is None or received.tmp_path is None:
                continue
            stored = await store.accept_in_thread(received.tmp_path, received.filename)
            received.tmp_path = None  # accept() has moved or removed it
            outcome.added.append(
                await drafts.add_file(user, dossier_id, doc_id, stored, received.filename)
            )
        except UserError as e:
            outcome.errors.setdefault(received.field_name, e)
    form.cleanup()
    return outcome
